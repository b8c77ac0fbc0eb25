import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { type AccountLockoutPolicy, defineAccountLockoutPolicy } from "@learnops/auth/sign-in-throttle";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "../context.ts";
import { createCaller } from "../root.ts";
import { resolveSession } from "../sessions.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const password = "correct horse battery staple";
const log = pino({ level: "silent" });

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
});

/** A caller as a browser at `ip` would be, with the response headers it gets back. */
function browser(
  options: { ip?: string; token?: string | null; now?: Date; accountLockout?: AccountLockoutPolicy } = {},
) {
  const responseHeaders = new Headers();
  const now = options.now ?? new Date();
  return {
    responseHeaders,
    async caller() {
      const session = options.token ? await resolveSession(appDb, options.token, now) : null;
      return createCaller(
        createContextInner({
          db: appDb,
          jobs,
          log,
          requestId: "req-test",
          session,
          ip: options.ip ?? "198.51.100.7",
          responseHeaders,
          now: () => now,
          accountLockout: options.accountLockout,
        }),
      );
    },
  };
}

async function signIn(email: string, secret = password, ip = "198.51.100.7") {
  const client = browser({ ip });
  const view = await (await client.caller()).auth.signIn({ email, password: secret });
  const token = readSessionToken(client.responseHeaders.get("set-cookie")?.split(";")[0] ?? null);
  return { view, token, setCookie: client.responseHeaders.get("set-cookie") };
}

describe("password sign-in", () => {
  it("starts a session in an httpOnly, SameSite=Lax, Secure cookie and stores only the token's hash", async () => {
    const { view, token, setCookie } = await signIn("Chloe.Admin@Example.org ".replace("Chloe", "chloe"));
    expect(view.user.email).toBe("chloe.admin@example.org");
    expect(view.activeMembership?.role).toBe("course_admin");
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Secure/);
    expect(token).toMatch(/^[a-z2-7]{32}$/);
    const stored = await db.selectFrom("sessions").select("id").execute();
    expect(stored.map((row) => row.id)).not.toContain(token);
    expect(await resolveSession(appDb, token ?? "", new Date())).toMatchObject({
      user: { email: "chloe.admin@example.org" },
    });
  });

  it("answers a wrong password and an unknown address the same way", async () => {
    const wrong = await signIn("ivan.instructor@example.org", "not the password").catch((error: unknown) => error);
    const unknown = await signIn("nobody@example.org", "not the password").catch((error: unknown) => error);
    expect(wrong).toMatchObject({ code: "UNAUTHORIZED", message: "Email or password is incorrect" });
    expect(unknown).toMatchObject({ code: "UNAUTHORIZED", message: "Email or password is incorrect" });
  });

  it("locks an address after ten failures for fifteen minutes, known or not, and audits a known account's lock", async () => {
    for (const email of ["ada.learner@example.org", "ghost@example.org"]) {
      for (let attempt = 0; attempt < 10; attempt++) {
        await expect(signIn(email, "guess", `203.0.113.${attempt}`)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      }
      const client = browser({ ip: "203.0.113.99" });
      // Even the right password is refused while the lock lasts.
      await expect((await client.caller()).auth.signIn({ email, password })).rejects.toMatchObject({
        code: "TOO_MANY_REQUESTS",
        message: "Too many failed sign-ins for this address. Try again in 15 minutes.",
      });
      expect(Number(client.responseHeaders.get("Retry-After"))).toBeGreaterThan(890);
      expect(Number(client.responseHeaders.get("Retry-After"))).toBeLessThanOrEqual(900);
    }
    const { rows } = await sql<{ action: string; target_id: string }>`
      select action, target_id from audit_events where institution_id is null and action = 'account.locked'`.execute(
      db,
    );
    const ada = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "ada.learner@example.org")
      .executeTakeFirstOrThrow();
    expect(rows).toEqual([{ action: "account.locked", target_id: ada.id }]);
  });

  it("follows the configured lockout policy: three failures lock for five minutes", async () => {
    const strict = defineAccountLockoutPolicy({ maxFailures: 3, windowSeconds: 600, lockSeconds: 300 });
    const attempt = (secret: string, ip: string) =>
      browser({ ip, accountLockout: strict })
        .caller()
        .then((caller) => caller.auth.signIn({ email: "strict@example.org", password: secret }));
    for (let n = 0; n < 3; n++) {
      await expect(attempt("guess", `203.0.114.${n}`)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(attempt("guess", "203.0.114.9")).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "Too many failed sign-ins for this address. Try again in 5 minutes.",
    });
  });

  it("signs in again once the lock has run out", async () => {
    const later = new Date(Date.now() + 16 * 60 * 1000);
    const client = browser({ ip: "203.0.113.100", now: later });
    await expect(
      (await client.caller()).auth.signIn({ email: "ada.learner@example.org", password }),
    ).resolves.toMatchObject({
      user: { email: "ada.learner@example.org" },
    });
  });

  it("limits sign-in attempts per client address with 429 and Retry-After", async () => {
    const ip = "192.0.2.50";
    // One clock for every attempt: the limit counts in fixed windows, and 100 attempts on a slow machine
    // could otherwise straddle a window's end and start counting afresh.
    const now = new Date();
    for (let attempt = 0; attempt < 100; attempt++) {
      const attacker = browser({ ip, now });
      await expect(
        (await attacker.caller()).auth.signIn({ email: `stuffing-${attempt}@example.org`, password: "guess" }),
      ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    const client = browser({ ip, now });
    await expect(
      (await client.caller()).auth.signIn({ email: "ivan.instructor@example.org", password }),
    ).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    expect(Number(client.responseHeaders.get("Retry-After"))).toBeGreaterThan(0);
  }, 60_000);

  it("refuses a suspended account even with the right password", async () => {
    await db.updateTable("users").set({ status: "suspended" }).where("email", "=", "sam.support@example.org").execute();
    await expect(signIn("sam.support@example.org")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await db.updateTable("users").set({ status: "active" }).where("email", "=", "sam.support@example.org").execute();
  });
});

describe("sessions", () => {
  it("end with sign-out, and all of a person's end with sign-out everywhere", async () => {
    const first = await signIn("kim.manager@example.org");
    const second = await signIn("kim.manager@example.org");
    const signedOut = browser({ token: first.token });
    await (await signedOut.caller()).auth.signOut();
    expect(signedOut.responseHeaders.get("set-cookie")).toMatch(/Max-Age=0/);
    expect(await resolveSession(appDb, first.token ?? "", new Date())).toBeNull();
    expect(await resolveSession(appDb, second.token ?? "", new Date())).not.toBeNull();

    const third = await signIn("kim.manager@example.org");
    await expect((await browser({ token: third.token }).caller()).auth.signOutEverywhere()).resolves.toEqual({
      sessionsEnded: 2,
    });
    expect(await resolveSession(appDb, second.token ?? "", new Date())).toBeNull();
  });

  it("expire after the idle window and are deleted on sight", async () => {
    const { token } = await signIn("ivan.instructor@example.org");
    // Instructors are staff: 30 minutes idle.
    expect(await resolveSession(appDb, token ?? "", new Date(Date.now() + 31 * 60 * 1000))).toBeNull();
    expect(await resolveSession(appDb, token ?? "", new Date())).toBeNull();
  });

  it("end when the person is suspended", async () => {
    const { token } = await signIn("pat.platform@example.org");
    await db
      .updateTable("users")
      .set({ status: "suspended" })
      .where("email", "=", "pat.platform@example.org")
      .execute();
    expect(await resolveSession(appDb, token ?? "", new Date())).toBeNull();
    await db.updateTable("users").set({ status: "active" }).where("email", "=", "pat.platform@example.org").execute();
  });

  it("are required by procedures for signed-in people", async () => {
    await expect((await browser().caller()).me.memberships()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(await (await browser().caller()).me.session()).toBeNull();
  });
});
