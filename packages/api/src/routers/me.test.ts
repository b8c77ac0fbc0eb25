import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
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

async function signedIn(email: string, institutionSlug?: string) {
  const headers = new Headers();
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: null, responseHeaders: headers }),
  ).auth.signIn({
    email,
    password,
    ...(institutionSlug ? { institutionSlug } : {}),
  });
  const token = readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "";
  /** A fresh caller per request, its session resolved from the token as the HTTP layer does. */
  return async () =>
    createCaller(
      createContextInner({
        db: appDb,
        jobs,
        log,
        requestId: "req-me",
        session: await resolveSession(appDb, token, new Date()),
      }),
    );
}

describe("memberships and switching", () => {
  it("lists the person's memberships in every institution, with each institution's branding", async () => {
    const as = await signedIn("morgan.lee@example.org", "lakeside-college");
    expect((await (await as()).me.session())?.activeMembership).toMatchObject({
      role: "instructor",
      institution: { slug: "lakeside-college" },
    });
    const memberships = await (await as()).me.memberships();
    expect(memberships.map((membership) => [membership.institution.slug, membership.role])).toEqual([
      ["acme-compliance", "course_admin"],
      ["lakeside-college", "instructor"],
      ["northwind-health", "learner"],
    ]);
    expect(memberships[0]?.institution).toMatchObject({
      displayName: "ACME Compliance Training",
      primaryColour: "#1f6f43",
      accentColour: "#b3261e",
    });
  });

  it("switches to another membership without signing in again, and records the switch in that institution", async () => {
    const as = await signedIn("morgan.lee@example.org", "northwind-health");
    expect((await (await as()).me.session())?.permissions).toEqual([]);
    const acme = (await (await as()).me.memberships()).find(
      (membership) => membership.institution.slug === "acme-compliance",
    );
    const switched = await (await as()).me.switchMembership({ membershipId: acme?.id ?? "" });
    expect(switched.activeMembership).toMatchObject({ role: "course_admin", institution: { slug: "acme-compliance" } });
    // What the apps may offer follows the role: a learner nothing to administer, a course admin the people.
    expect(switched.permissions).toEqual(expect.arrayContaining(["users.manage", "audit.read"]));
    expect(switched.permissions).not.toContain("accounts.suspend");
    expect((await (await as()).me.session())?.activeMembership?.id).toBe(acme?.id);

    const { rows } = await sql<{ action: string; before: unknown; after: unknown; request_id: string }>`
      select e.action, e.before, e.after, e.request_id from audit_events e
      join institutions i on i.id = e.institution_id
      where i.slug = 'acme-compliance' and e.action = 'membership.switched'`.execute(db);
    expect(rows).toEqual([
      {
        action: "membership.switched",
        before: { membershipId: expect.any(String), role: "learner" },
        after: { membershipId: acme?.id, role: "course_admin" },
        request_id: "req-me",
      },
    ]);
  });

  it("answers NOT_FOUND for someone else's membership", async () => {
    const as = await signedIn("ivan.instructor@example.org");
    const others = await db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select("memberships.id")
      .where("users.email", "=", "chloe.admin@example.org")
      .execute();
    await expect((await as()).me.switchMembership({ membershipId: others[0]?.id ?? "" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await (await as()).me.session())?.activeMembership?.role).toBe("instructor");
  });

  it("serves a person holding fifty memberships", async () => {
    const person = await db
      .insertInto("users")
      .values({ email: "many@example.org", display_name: "Many Hats", email_verified_at: new Date() })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("password_credentials")
      .values({ user_id: person.id, hash: await hashPassword(password) })
      .execute();
    for (let n = 0; n < 50; n++) {
      const institution = await db
        .insertInto("institutions")
        .values({
          slug: `campus-${String(n).padStart(2, "0")}`,
          display_name: `Campus ${n}`,
          primary_colour: "#333333",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await db
        .insertInto("memberships")
        .values({ institution_id: institution.id, user_id: person.id, role: n % 2 ? "learner" : "instructor" })
        .execute();
    }
    const as = await signedIn("many@example.org", "campus-00");
    const memberships = await (await as()).me.memberships();
    expect(memberships).toHaveLength(50);
    const last = memberships.find((membership) => membership.institution.slug === "campus-49");
    await expect((await as()).me.switchMembership({ membershipId: last?.id ?? "" })).resolves.toMatchObject({
      activeMembership: { institution: { slug: "campus-49" }, role: "learner" },
    });
  });

  it("lists where the person is signed in, marking this session", async () => {
    const first = await signedIn("chloe.admin@example.org");
    await signedIn("chloe.admin@example.org");
    const sessions = await (await first()).me.sessions();
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(sessions.filter((session) => session.current)).toHaveLength(1);
  });
});
