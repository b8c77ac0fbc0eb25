import { hashPassword, verifyPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { generateSecretToken, hashSecretToken } from "@learnops/auth/session-tokens";
import { lockoutKeyForEmail } from "@learnops/auth/sign-in-throttle";
import { loadDemoData } from "@learnops/db/demo-data";
import { emailDeliveryJob } from "@learnops/jobs/queues";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "../context.ts";
import { createCaller as createAppCaller } from "../root.ts";
import { type ActiveSession, resolveSession, startSession } from "../sessions.ts";
import { createCallerFactory } from "../trpc.ts";
import { accountRouter } from "./account.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const log = pino({ level: "silent" });
const password = "correct horse battery staple";
const newPassword = "a brand new passphrase for this account";
const publicUrl = "https://learn.example.edu";
const createCaller = createCallerFactory(accountRouter);

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
  await db
    .updateTable("institutions")
    .set({ policies: JSON.stringify({ selfRegistration: true }) })
    .where("slug", "=", "northwind-health")
    .execute();
});

let clientAddress = 0;
/** A browser at a client address of its own (so tests stay clear of each other's per-address limits). */
function browser(options: { ip?: string; now?: Date; session?: ActiveSession | null } = {}) {
  const responseHeaders = new Headers();
  const now = options.now ?? new Date();
  const context = {
    ...createContextInner({
      db: appDb,
      jobs,
      log,
      requestId: "req-account",
      ip: options.ip ?? `198.51.100.${++clientAddress}`,
      responseHeaders,
      session: options.session ?? null,
      now: () => now,
    }),
    publicUrl,
  };
  return { responseHeaders, account: createCaller(context), app: createAppCaller(context) };
}

const userByEmail = (email: string) =>
  db
    .selectFrom("users")
    .select(["id", "email", "display_name", "email_verified_at", "status"])
    .where("email", "=", email)
    .executeTakeFirst();

/** What was queued for an address, oldest first, with the delivery job of each message. */
async function outboxFor(email: string) {
  const rows = await db
    .selectFrom("email_outbox")
    .select(["id", "kind", "user_id", "to_address", "subject", "text_body", "html_body"])
    .where("to_address", "=", email)
    .orderBy("created_at")
    .execute();
  const { rows: queued } = await sql<{ data: { outboxId: string } }>`
    select data from pgboss.job where name = ${emailDeliveryJob.queue}`.execute(db);
  return rows.map((row) => ({
    ...row,
    jobs: queued.filter((job) => job.data.outboxId === row.id).length,
  }));
}

function tokenIn(text: string | null, path: string): string {
  const match = text?.match(new RegExp(`${publicUrl}${path}\\?token=([a-z2-7]{32})`));
  if (!match?.[1]) throw new Error(`no ${path} link in:\n${text}`);
  return match[1];
}

async function requestReset(email: string, institutionSlug?: string) {
  await browser().account.requestPasswordReset({ email, ...(institutionSlug ? { institutionSlug } : {}) });
  const message = (await outboxFor(email)).at(-1);
  return tokenIn(message?.text_body ?? null, "/learn/account/reset-password");
}

async function sessionFor(email: string) {
  const user = await userByEmail(email);
  if (!user) throw new Error(`no user ${email}`);
  return startSession(appDb, { userId: user.id, membership: null, ip: null, userAgent: null }, new Date());
}

async function passwordHashOf(userId: string) {
  return (
    await db.selectFrom("password_credentials").select("hash").where("user_id", "=", userId).executeTakeFirstOrThrow()
  ).hash;
}

const platformEvents = async (action: string) =>
  (
    await sql<{ actor_user_id: string; target_id: string; after: unknown; institution_id: string | null }>`
      select actor_user_id, target_id, after, institution_id from audit_events where action = ${action} order by id`.execute(
      db,
    )
  ).rows;

describe("account.requestPasswordReset", () => {
  it("queues a single-use link (only its hash stored, one hour) with its delivery job, and names the institution", async () => {
    const client = browser();
    const answer = await client.account.requestPasswordReset({ email: " Ada.Learner@example.org " });
    expect(answer).toEqual({
      message:
        "If an account uses this address, we have sent it a link to choose a new password. The link works for one hour.",
    });

    const [message, ...others] = await outboxFor("ada.learner@example.org");
    expect(others).toEqual([]);
    const ada = await userByEmail("ada.learner@example.org");
    expect(message).toMatchObject({
      kind: "password_reset",
      user_id: ada?.id,
      subject: "Reset your password for Northwind Health Academy",
      jobs: 1,
    });
    const token = tokenIn(message?.text_body ?? null, "/learn/account/reset-password");
    // The institution brands the page the link opens, and its way back to sign-in.
    expect(message?.text_body).toContain(
      `${publicUrl}/learn/account/reset-password?token=${token}&institution=northwind-health`,
    );
    expect(message?.html_body).toContain(
      `href="${publicUrl}/learn/account/reset-password?token=${token}&amp;institution=northwind-health"`,
    );

    const stored = await db
      .selectFrom("auth_tokens")
      .selectAll()
      .where("user_id", "=", ada?.id ?? "")
      .execute();
    expect(stored).toEqual([
      expect.objectContaining({ id: hashSecretToken(token), purpose: "password_reset", used_at: null }),
    ]);
    const lifetime = (stored[0]?.expires_at.getTime() ?? 0) - Date.now();
    expect(lifetime).toBeGreaterThan(59 * 60 * 1000);
    expect(lifetime).toBeLessThanOrEqual(60 * 60 * 1000);
  });

  it("names the institution whose page was used, and none when a person's institutions differ", async () => {
    await browser().account.requestPasswordReset({
      email: "morgan.lee@example.org",
      institutionSlug: "lakeside-college",
    });
    await browser().account.requestPasswordReset({ email: "morgan.lee@example.org" });
    expect((await outboxFor("morgan.lee@example.org")).map((message) => message.subject)).toEqual([
      "Reset your password for Lakeside Community College",
      "Reset your password",
    ]);
  });

  it("answers an unknown or suspended address exactly like a known one, and leaves nothing behind for it", async () => {
    await db.updateTable("users").set({ status: "suspended" }).where("email", "=", "sam.support@example.org").execute();
    const tokensBefore = await db.selectFrom("auth_tokens").select("id").execute();

    const answers = [];
    for (const email of ["ivan.instructor@example.org", "nobody@example.org", "sam.support@example.org"]) {
      const client = browser();
      answers.push({
        answer: await client.account.requestPasswordReset({ email }),
        headers: [...client.responseHeaders.entries()],
      });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);

    expect(await outboxFor("ivan.instructor@example.org")).toHaveLength(1);
    expect(await outboxFor("nobody@example.org")).toEqual([]);
    expect(await outboxFor("sam.support@example.org")).toEqual([]);
    const tokensAfter = await db.selectFrom("auth_tokens").select(["id", "user_id"]).execute();
    const ivan = await userByEmail("ivan.instructor@example.org");
    expect(tokensAfter.filter((row) => !tokensBefore.some((before) => before.id === row.id))).toEqual([
      { id: expect.any(String), user_id: ivan?.id },
    ]);
    await db.updateTable("users").set({ status: "active" }).where("email", "=", "sam.support@example.org").execute();
  });

  it("limits each address to 3 requests an hour, known or not, with 429 and Retry-After, keeping only its hash", async () => {
    for (const email of ["kim.manager@example.org", "ghost@example.org"]) {
      for (let attempt = 0; attempt < 3; attempt++) await browser().account.requestPasswordReset({ email });
      const client = browser();
      await expect(client.account.requestPasswordReset({ email })).rejects.toMatchObject({
        code: "TOO_MANY_REQUESTS",
        message: expect.stringMatching(/^Too many reset requests for this address\. Check your inbox, or try again in/),
      });
      expect(Number(client.responseHeaders.get("Retry-After"))).toBeGreaterThan(0);
      expect(Number(client.responseHeaders.get("Retry-After"))).toBeLessThanOrEqual(3600);
    }
    expect(await outboxFor("kim.manager@example.org")).toHaveLength(3);
    const keys = await db.selectFrom("rate_limit_windows").select("key").execute();
    expect(keys.filter((row) => row.key.includes("ghost") || row.key.includes("kim.manager"))).toEqual([]);
  });

  it("limits each client address to 20 requests an hour", async () => {
    const ip = "192.0.2.77";
    for (let attempt = 0; attempt < 20; attempt++) {
      await browser({ ip }).account.requestPasswordReset({ email: `probe-${attempt}@example.org` });
    }
    const client = browser({ ip });
    await expect(client.account.requestPasswordReset({ email: "probe-20@example.org" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/^Too many password reset requests from your network/),
    });
    expect(Number(client.responseHeaders.get("Retry-After"))).toBeGreaterThan(0);
  });
});

describe("account.resetPassword", () => {
  it("sets the new password, ends every session, voids other reset links, lifts a lock and audits", async () => {
    const email = "chloe.admin@example.org";
    const chloe = await userByEmail(email);
    const sessions = [await sessionFor(email), await sessionFor(email)];
    const earlier = await requestReset(email);
    const token = await requestReset(email);
    await db
      .insertInto("sign_in_lockouts")
      .values({
        email_hash: lockoutKeyForEmail(email),
        failed_count: 10,
        window_started_at: new Date(),
        locked_until: new Date(Date.now() + 15 * 60 * 1000),
      })
      .execute();

    const client = browser();
    await expect(client.account.resetPassword({ token, newPassword })).resolves.toEqual({ passwordReset: true });
    expect(client.responseHeaders.get("set-cookie")).toMatch(/Max-Age=0/);

    expect(await verifyPassword(await passwordHashOf(chloe?.id ?? ""), newPassword)).toBe(true);
    for (const session of sessions) expect(await resolveSession(appDb, session.token, new Date())).toBeNull();
    await expect(browser().account.resetPassword({ token: earlier, newPassword })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(browser().app.auth.signIn({ email, password })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(browser().app.auth.signIn({ email, password: newPassword })).resolves.toMatchObject({
      user: { email },
    });
    expect(await platformEvents("account.password_reset")).toEqual([
      { actor_user_id: chloe?.id, target_id: chloe?.id, after: { sessionsEnded: 2 }, institution_id: null },
    ]);
  });

  it("accepts a token once: a second use, even at the same moment, is refused", async () => {
    const token = await requestReset("ivan.instructor@example.org");
    const results = await Promise.allSettled([
      browser().account.resetPassword({ token, newPassword }),
      browser().account.resetPassword({ token, newPassword }),
    ]);
    expect(results.map((result) => result.status).toSorted()).toEqual(["fulfilled", "rejected"]);
    await expect(browser().account.resetPassword({ token, newPassword })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "This reset link has expired or was already used. Ask for a new one on the sign-in page.",
    });
  });

  it("refuses an expired token and leaves the password as it was", async () => {
    const pat = await userByEmail("pat.platform@example.org");
    const token = await requestReset("pat.platform@example.org");
    const later = new Date(Date.now() + 61 * 60 * 1000);
    await expect(browser({ now: later }).account.resetPassword({ token, newPassword })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "This reset link has expired or was already used. Ask for a new one on the sign-in page.",
    });
    expect(await verifyPassword(await passwordHashOf(pat?.id ?? ""), password)).toBe(true);
  });

  it("refuses an unknown token with the same answer, and a mangled one by its field", async () => {
    await expect(browser().account.resetPassword({ token: generateSecretToken(), newPassword })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "This reset link has expired or was already used. Ask for a new one on the sign-in page.",
    });
    const fieldIssue = (path: string, message: string) => ({
      code: "BAD_REQUEST",
      cause: { issues: [expect.objectContaining({ path: [path], message: expect.stringContaining(message) })] },
    });
    await expect(browser().account.resetPassword({ token: "Not-A-Token", newPassword })).rejects.toMatchObject(
      fieldIssue("token", "This reset link is incomplete"),
    );
    await expect(
      browser().account.resetPassword({ token: generateSecretToken(), newPassword: "short" }),
    ).rejects.toMatchObject(fieldIssue("newPassword", "Use at least 12 characters"));
  });
});

describe("account.changePassword", () => {
  it("needs the current password, then keeps this session, ends the others and audits", async () => {
    const email = "kim.manager@example.org";
    const kim = await userByEmail(email);
    const mine = await sessionFor(email);
    const other = await sessionFor(email);
    const session = await resolveSession(appDb, mine.token, new Date());

    await expect(
      browser({ session }).account.changePassword({ currentPassword: "not my password", newPassword }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "Your current password is not correct" });
    expect(await db.selectFrom("sign_in_lockouts").select("failed_count").executeTakeFirst()).toMatchObject({
      failed_count: 1,
    });

    await expect(
      browser({ session }).account.changePassword({ currentPassword: password, newPassword }),
    ).resolves.toEqual({ otherSessionsEnded: 1 });
    expect(await resolveSession(appDb, mine.token, new Date())).not.toBeNull();
    expect(await resolveSession(appDb, other.token, new Date())).toBeNull();
    expect(await verifyPassword(await passwordHashOf(kim?.id ?? ""), newPassword)).toBe(true);
    expect(await db.selectFrom("sign_in_lockouts").select("failed_count").execute()).toEqual([]);
    expect(await platformEvents("account.password_changed")).toEqual([
      { actor_user_id: kim?.id, target_id: kim?.id, after: { otherSessionsEnded: 1 }, institution_id: null },
    ]);
  });

  it("is refused to nobody signed in, and to support acting as the person", async () => {
    await expect(browser().account.changePassword({ currentPassword: password, newPassword })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });

    const ada = await resolveSession(appDb, (await sessionFor("ada.learner@example.org")).token, new Date());
    const sam = await resolveSession(appDb, (await sessionFor("sam.support@example.org")).token, new Date());
    if (!ada || !sam) throw new Error("sessions did not start");
    const actingAs: ActiveSession = {
      ...ada,
      actingAs: {
        realUser: sam.user,
        realMembership: await membershipOf("sam.support@example.org"),
        reason: "Learner cannot find the course (ticket 4712)",
        expiresAt: new Date(Date.now() + 15 * 60 * 1000),
      },
    };
    await expect(
      browser({ session: actingAs }).account.changePassword({ currentPassword: password, newPassword }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "Only Ada Okafor can change their password; stop acting as them first",
    });
  });
});

/** A person's (first) membership as sessions carry it. */
async function membershipOf(email: string) {
  const user = await userByEmail(email);
  const { rows } = await sql<ActiveSession["membership"] & object>`
    select m.id, m.role, m.status, m.client_group_id, m.institution_id, i.slug as institution_slug,
           i.display_name as institution_name, i.primary_colour, i.accent_colour, i.logo_url
    from memberships m join institutions i on i.id = m.institution_id where m.user_id = ${user?.id}`.execute(db);
  if (!rows[0]) throw new Error(`no membership for ${email}`);
  return rows[0];
}

describe("account.register", () => {
  const registration = {
    email: "new.learner@example.org",
    displayName: "Nia Learner",
    password: "my own long passphrase",
    institutionSlug: "northwind-health",
  };

  it("refuses an institution that does not allow self-registration, and one that does not exist", async () => {
    await expect(
      browser().account.register({ ...registration, institutionSlug: "acme-compliance" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message:
        "ACME Compliance Training does not let people create their own accounts. Ask ACME Compliance Training to add you.",
    });
    await expect(
      browser().account.register({ ...registration, institutionSlug: "no-such-place" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await userByEmail(registration.email)).toBeUndefined();
  });

  it("creates an unconfirmed learner with a confirmation link; confirming the address is single use", async () => {
    const answer = await browser().account.register({ ...registration, email: " New.Learner@Example.org " });
    expect(answer).toEqual({
      message: "Check your inbox: we have sent a message to this address to confirm it. Open the link in it to finish.",
    });

    const nia = await userByEmail(registration.email);
    expect(nia).toMatchObject({ display_name: "Nia Learner", email_verified_at: null, status: "active" });
    expect(await verifyPassword(await passwordHashOf(nia?.id ?? ""), registration.password)).toBe(true);
    const memberships = await db
      .selectFrom("memberships")
      .innerJoin("institutions", "institutions.id", "memberships.institution_id")
      .select(["institutions.slug", "memberships.role", "memberships.status"])
      .where("user_id", "=", nia?.id ?? "")
      .execute();
    expect(memberships).toEqual([{ slug: "northwind-health", role: "learner", status: "active" }]);
    const { rows: registered } = await sql<{ institution_slug: string; target_id: string }>`
      select i.slug as institution_slug, e.target_id from audit_events e join institutions i on i.id = e.institution_id
      where e.action = 'account.registered'`.execute(db);
    expect(registered).toEqual([{ institution_slug: "northwind-health", target_id: nia?.id }]);

    const [message] = await outboxFor(registration.email);
    expect(message).toMatchObject({
      kind: "email_verification",
      user_id: nia?.id,
      subject: "Confirm your email address for Northwind Health Academy",
      jobs: 1,
    });
    const token = tokenIn(message?.text_body ?? null, "/learn/account/verify-email");
    expect(message?.text_body).toContain(`/learn/account/verify-email?token=${token}&institution=northwind-health`);

    // Not yet: a day and a half later is within the two days the link lives.
    const later = new Date(Date.now() + 36 * 60 * 60 * 1000);
    await expect(browser({ now: later }).account.verifyEmail({ token })).resolves.toEqual({ verified: true });
    expect((await userByEmail(registration.email))?.email_verified_at).toEqual(later);
    await expect(browser().account.verifyEmail({ token })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^This confirmation link has expired or was already used/),
    });
    expect(await platformEvents("account.email_verified")).toEqual([
      { actor_user_id: nia?.id, target_id: nia?.id, after: null, institution_id: null },
    ]);
  });

  it("answers an address that has an account exactly like a new one, creates nothing and emails its owner", async () => {
    const ada = await userByEmail("ada.learner@example.org");
    const usersBefore = await db.selectFrom("users").select("id").execute();
    const membershipsBefore = await db.selectFrom("memberships").select("id").execute();
    const hashBefore = await passwordHashOf(ada?.id ?? "");

    const taken = browser();
    const fresh = browser();
    const answers = [
      await taken.account.register({ ...registration, email: "ada.learner@example.org", displayName: "Not Ada" }),
      await fresh.account.register({ ...registration, email: "another.new@example.org" }),
    ];
    expect(answers[0]).toEqual(answers[1]);
    expect([...taken.responseHeaders.entries()]).toEqual([...fresh.responseHeaders.entries()]);

    expect(await db.selectFrom("users").select("id").execute()).toHaveLength(usersBefore.length + 1);
    expect(await db.selectFrom("memberships").select("id").execute()).toHaveLength(membershipsBefore.length + 1);
    expect(await userByEmail("ada.learner@example.org")).toMatchObject({ display_name: "Ada Okafor" });
    expect(await passwordHashOf(ada?.id ?? "")).toBe(hashBefore);

    const note = (await outboxFor("ada.learner@example.org")).at(-1);
    expect(note).toMatchObject({
      kind: "account_exists",
      user_id: ada?.id,
      subject: "You already have an account for Northwind Health Academy",
      jobs: 1,
    });
    expect(note?.text_body).toContain(`Sign in at ${publicUrl}/learn/northwind-health.`);
    // Its reset link works, and proves the address: how the owner takes over an account someone else opened.
    const token = tokenIn(note?.text_body ?? null, "/learn/account/reset-password");
    await browser().account.resetPassword({ token, newPassword });
  });

  it("confirms the address of an unconfirmed account when its password is reset through the emailed link", async () => {
    await browser().account.register({ ...registration, email: "forgetful@example.org" });
    expect((await userByEmail("forgetful@example.org"))?.email_verified_at).toBeNull();
    const token = await requestReset("forgetful@example.org");
    await browser().account.resetPassword({ token, newPassword });
    expect((await userByEmail("forgetful@example.org"))?.email_verified_at).toEqual(expect.any(Date));
  });

  it("refuses an expired confirmation link", async () => {
    await browser().account.register({ ...registration, email: "slow.reader@example.org" });
    const [message] = await outboxFor("slow.reader@example.org");
    const token = tokenIn(message?.text_body ?? null, "/learn/account/verify-email");
    const tooLate = new Date(Date.now() + 49 * 60 * 60 * 1000);
    await expect(browser({ now: tooLate }).account.verifyEmail({ token })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect((await userByEmail("slow.reader@example.org"))?.email_verified_at).toBeNull();
  });

  it("limits registrations per address, with 429 and Retry-After", async () => {
    const email = "eager@example.org";
    for (let attempt = 0; attempt < 3; attempt++) await browser().account.register({ ...registration, email });
    const client = browser();
    await expect(client.account.register({ ...registration, email })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    expect(Number(client.responseHeaders.get("Retry-After"))).toBeGreaterThan(0);
    expect(await outboxFor(email)).toHaveLength(3);
  });

  it("keeps an unconfirmed account from signing in until its address is confirmed", async () => {
    const email = "unconfirmed@example.org";
    await browser().account.register({ ...registration, email });
    await expect(browser().app.auth.signIn({ email, password: registration.password })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("Confirm your email address"),
    });
    const [message] = await outboxFor(email);
    await browser().account.verifyEmail({ token: tokenIn(message?.text_body ?? null, "/learn/account/verify-email") });
    const client = browser();
    await expect(client.app.auth.signIn({ email, password: registration.password })).resolves.toMatchObject({
      user: { email },
    });
    expect(readSessionToken(client.responseHeaders.get("set-cookie")?.split(";")[0] ?? null)).toMatch(/^[a-z2-7]{32}$/);
  });
});
