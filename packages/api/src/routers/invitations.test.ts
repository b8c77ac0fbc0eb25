import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { hashSecretToken } from "@learnops/auth/session-tokens";
import { loadDemoData } from "@learnops/db/demo-data";
import { emailDeliveryJob } from "@learnops/jobs/queues";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "../context.ts";
import { createCaller } from "../root.ts";
import { resolveSession } from "../sessions.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const log = pino({ level: "silent" });
const password = "correct horse battery staple";
const chosenPassword = "my very own first passphrase";
const publicUrl = "https://learn.example.edu";
const day = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
});

let clientAddress = 0;
/** A caller at a client address of its own (clear of per-address limits), signed in or not. */
function browser(session: Awaited<ReturnType<typeof resolveSession>> = null, now = new Date()) {
  const responseHeaders = new Headers();
  const caller = createCaller(
    createContextInner({
      db: appDb,
      jobs,
      log,
      requestId: "req-invitations",
      ip: `192.0.2.${++clientAddress}`,
      responseHeaders,
      session,
      publicUrl,
      now: () => now,
    }),
  );
  return { caller, responseHeaders };
}

async function signIn(email: string, secret = password) {
  const { caller, responseHeaders } = browser();
  await caller.auth.signIn({ email, password: secret });
  return readSessionToken(responseHeaders.get("set-cookie")?.split(";")[0] ?? null) ?? "";
}

/** A caller signed in as a demo person, resolved afresh at `now`. */
async function as(email: string) {
  const token = await signIn(email);
  return async (now = new Date()) => browser(await resolveSession(appDb, token, now), now).caller;
}

/** Messages queued for an address, oldest first, each with how many delivery jobs point at it. */
async function outboxFor(email: string) {
  const rows = await db
    .selectFrom("email_outbox")
    .select(["id", "kind", "user_id", "subject", "text_body", "html_body"])
    .where("to_address", "=", email)
    .orderBy("created_at")
    .execute();
  const { rows: queued } = await sql<{ data: { outboxId: string } }>`
    select data from pgboss.job where name = ${emailDeliveryJob.queue}`.execute(db);
  return rows.map((row) => ({ ...row, jobs: queued.filter((job) => job.data.outboxId === row.id).length }));
}

function invitationToken(text: string | null): string {
  const match = text?.match(/https:\/\/learn\.example\.edu\/learn\/account\/reset-password\?token=([a-z2-7]{32})/);
  if (!match?.[1]) throw new Error(`no invitation link in:\n${text}`);
  return match[1];
}

const userId = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;

describe("invitations", () => {
  it("queue a link with the new account; choosing a password through it confirms the address and signs in", async () => {
    const chloe = await as("chloe.admin@example.org");
    const added = await (await chloe()).people.add({
      email: "nia.osei@example.org",
      displayName: "Nia Osei",
      role: "instructor",
    });
    expect(added).toMatchObject({ newAccount: true, invitationSent: true });

    const [message, ...others] = await outboxFor("nia.osei@example.org");
    expect(others).toEqual([]);
    expect(message).toMatchObject({
      kind: "invitation",
      user_id: added.userId,
      subject: "You have been added to Northwind Health Academy as an instructor",
      jobs: 1,
    });
    expect(message?.text_body).toContain("Chloé Martin added you to Northwind Health Academy");
    const token = invitationToken(message?.text_body ?? null);
    // The page opens in the institution's branding, as reset links from its sign-in page do.
    const link = `${publicUrl}/learn/account/reset-password?token=${token}&institution=northwind-health`;
    expect(message?.text_body).toContain(link);
    expect(message?.html_body).toContain(`href="${link.replace("&", "&amp;")}"`);

    // Only the token's hash is kept, valid for seven days.
    const stored = await db
      .selectFrom("auth_tokens")
      .select(["id", "purpose", "created_at", "expires_at"])
      .where("user_id", "=", added.userId)
      .executeTakeFirstOrThrow();
    expect(stored.id).toBe(hashSecretToken(token));
    expect(stored.purpose).toBe("password_reset");
    expect(stored.expires_at.getTime() - stored.created_at.getTime()).toBeGreaterThan(7 * day - 60_000);
    expect(stored.expires_at.getTime() - stored.created_at.getTime()).toBeLessThan(7 * day + 60_000);

    // No password yet: nothing signs in.
    await expect(signIn("nia.osei@example.org", chosenPassword)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const listed = await (await chloe()).people.list({ search: "nia" });
    expect(listed.people[0]).toMatchObject({ email: "nia.osei@example.org", hasPassword: false });

    await expect(browser().caller.account.resetPassword({ token, newPassword: chosenPassword })).resolves.toEqual({
      passwordReset: true,
    });
    const nia = await db
      .selectFrom("users")
      .select("email_verified_at")
      .where("id", "=", added.userId)
      .executeTakeFirstOrThrow();
    expect(nia.email_verified_at).not.toBeNull();
    const session = await resolveSession(appDb, await signIn("nia.osei@example.org", chosenPassword), new Date());
    expect(session?.membership).toMatchObject({ role: "instructor", institution_slug: "northwind-health" });
    expect((await (await chloe()).people.list({ search: "nia" })).people[0]?.hasPassword).toBe(true);

    // The link works once.
    await expect(
      browser().caller.account.resetPassword({ token, newPassword: "another passphrase entirely" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("go to an existing account that never chose a password, and never to one that did", async () => {
    await db.insertInto("users").values({ email: "owen.park@example.org", display_name: "Owen Park" }).execute();
    const chloe = await as("chloe.admin@example.org");
    const owen = await (await chloe()).people.add({
      email: "owen.park@example.org",
      displayName: "Owen Park",
      role: "learner",
    });
    expect(owen).toMatchObject({ newAccount: false, invitationSent: true });
    expect((await outboxFor("owen.park@example.org")).map((message) => message.kind)).toEqual(["invitation"]);

    const ivan = await (await chloe()).people.add({
      email: "ivan.instructor@example.org",
      displayName: "Ivan",
      role: "learner",
    });
    expect(ivan).toMatchObject({ newAccount: false, invitationSent: false });
    expect(await outboxFor("ivan.instructor@example.org")).toEqual([]);
    const { rows } = await sql<{ after: { invitationSent: boolean } }>`
      select after from audit_events where action = 'membership.created' order by id desc limit 1`.execute(db);
    expect(rows[0]?.after.invitationSent).toBe(false);
  });

  it("are sent again on request: the earlier link stops working, and an inbox is not flooded", async () => {
    const start = new Date();
    const chloe = await as("chloe.admin@example.org");
    const { userId: rafa } = await (await chloe()).people.add({
      email: "rafa.diaz@example.org",
      displayName: "Rafa Díaz",
      role: "support_agent",
    });
    const first = invitationToken((await outboxFor("rafa.diaz@example.org"))[0]?.text_body ?? null);

    await expect((await chloe(start)).people.resendInvitation({ userId: rafa })).resolves.toEqual({
      invitationSent: true,
    });
    const messages = await outboxFor("rafa.diaz@example.org");
    expect(messages.map((message) => [message.kind, message.subject, message.jobs])).toEqual([
      ["invitation", "You have been added to Northwind Health Academy as a support agent", 1],
      ["invitation", "You have been added to Northwind Health Academy as a support agent", 1],
    ]);
    const second = invitationToken(messages[1]?.text_body ?? null);
    await expect(
      browser().caller.account.resetPassword({ token: first, newPassword: chosenPassword }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const { rows } = await sql<{ actor_user_id: string; target_id: string }>`
      select actor_user_id, target_id from audit_events where action = 'account.invitation_resent'`.execute(db);
    expect(rows).toEqual([{ actor_user_id: await userId("chloe.admin@example.org"), target_id: rafa }]);

    // Three an hour for one person.
    await (await chloe(start)).people.resendInvitation({ userId: rafa });
    await (await chloe(start)).people.resendInvitation({ userId: rafa });
    await expect((await chloe(start)).people.resendInvitation({ userId: rafa })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringContaining("Rafa Díaz has been sent 3 invitations this hour"),
    });

    const latest = invitationToken((await outboxFor("rafa.diaz@example.org")).at(-1)?.text_body ?? null);
    expect(latest).not.toBe(second);
    await browser().caller.account.resetPassword({ token: latest, newPassword: chosenPassword });
    await expect((await chloe()).people.resendInvitation({ userId: rafa })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("Rafa Díaz has already chosen a password"),
    });
  });

  it("are refused for suspended accounts, other institutions' people, and roles without users.manage", async () => {
    const chloe = await as("chloe.admin@example.org");
    const { userId: tess } = await (await chloe()).people.add({
      email: "tess.quinn@example.org",
      displayName: "Tess Quinn",
      role: "learner",
    });
    await db.updateTable("users").set({ status: "suspended" }).where("id", "=", tess).execute();
    await expect((await chloe()).people.resendInvitation({ userId: tess })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("suspended"),
    });

    // Pat belongs to Lakeside only: Northwind does not know them.
    await expect(
      (await chloe()).people.resendInvitation({ userId: await userId("pat.platform@example.org") }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });

    const sam = await as("sam.support@example.org");
    await expect((await sam()).people.resendInvitation({ userId: tess })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("users.manage"),
    });
  });
});

describe("people.list", () => {
  it("says whether each person has chosen a password and is locked out, and names client groups", async () => {
    const chloe = await as("chloe.admin@example.org");
    const guesser = browser().caller;
    for (let attempt = 0; attempt < 10; attempt++) {
      await expect(
        guesser.auth.signIn({ email: "morgan.lee@example.org", password: "not the password" }),
      ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    const morgan = (await (await chloe()).people.list({ search: "morgan" })).people[0];
    expect(morgan).toMatchObject({ hasPassword: true });
    expect(new Date(morgan?.signInLockedUntil ?? 0).getTime()).toBeGreaterThan(Date.now());
    const ada = (await (await chloe()).people.list({ search: "ada" })).people[0];
    expect(ada?.signInLockedUntil).toBeNull();
    expect(ada?.memberships).toMatchObject([{ role: "learner", clientGroupName: "Contoso Clinics" }]);
  });
});
