import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { loadDemoData } from "@learnops/db/demo-data";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import { withTenant } from "@learnops/db/tenancy";
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

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
});

async function as(email: string, institutionSlug?: string) {
  const headers = new Headers();
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: `sign-in-${email}`, responseHeaders: headers }),
  ).auth.signIn({
    email,
    password,
    ...(institutionSlug ? { institutionSlug } : {}),
  });
  const token = readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "";
  return createCaller(
    createContextInner({
      db: appDb,
      jobs,
      log,
      requestId: null,
      session: await resolveSession(appDb, token, new Date()),
    }),
  );
}

const idOf = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;

const institutionIdOf = async (slug: string) =>
  (await db.selectFrom("institutions").select("id").where("slug", "=", slug).executeTakeFirstOrThrow()).id;

describe("the audit log", () => {
  it("lists the active institution's events only, newest first, a page at a time", async () => {
    await as("ivan.instructor@example.org"); // Northwind
    await as("morgan.lee@example.org", "acme-compliance"); // ACME
    const admin = await as("chloe.admin@example.org"); // Northwind

    const first = await admin.audit.list({ limit: 1 });
    expect(first.events).toHaveLength(1);
    expect(first.events[0]).toMatchObject({
      action: "session.signed_in",
      requestId: "sign-in-chloe.admin@example.org",
    });
    const rest = await admin.audit.list({ limit: 50, cursor: first.nextCursor ?? undefined });
    expect(rest.events.map((event) => event.requestId)).toEqual(["sign-in-ivan.instructor@example.org"]);
    expect(rest.nextCursor).toBeNull();

    expect((await admin.audit.list({ action: "membership.switched" })).events).toEqual([]);
  });

  it("names the actor, the person really acting and the role acted in, in one page", async () => {
    const sam = await as("sam.support@example.org");
    const adaId = await idOf("ada.learner@example.org");
    await sam.support.actAs({ userId: adaId, reason: "Learner cannot see her certificate (ticket 88)" });
    const admin = await as("chloe.admin@example.org");

    const { events } = await admin.audit.list({ action: "support.acting_as_started" });
    expect(events).toEqual([
      expect.objectContaining({
        actorUserId: adaId,
        actor: { displayName: "Ada Okafor", email: "ada.learner@example.org" },
        realActorUserId: await idOf("sam.support@example.org"),
        realActor: { displayName: "Sam Rivera", email: "sam.support@example.org" },
        activeRole: "support_agent",
      }),
    ]);

    const signIns = await admin.audit.list({ action: "session.signed_in", limit: 200 });
    expect(signIns.events.find((event) => event.requestId === "sign-in-chloe.admin@example.org")).toMatchObject({
      actor: { displayName: "Chloé Martin", email: "chloe.admin@example.org" },
      realActor: null,
      activeRole: "course_admin",
    });
  });

  it("names nobody the institution may not see: people of other institutions stay ids", async () => {
    const northwind = await institutionIdOf("northwind-health");
    const patId = await idOf("pat.platform@example.org"); // a platform admin, member of Lakeside only
    const lakesideMembership = await db
      .selectFrom("memberships")
      .select("id")
      .where("user_id", "=", patId)
      .executeTakeFirstOrThrow();
    await withTenant(db, { institutionId: northwind }, (trx) =>
      appendAuditEvent(trx, {
        institutionId: northwind,
        action: "account.suspended",
        actorUserId: patId,
        activeMembershipId: lakesideMembership.id,
        targetType: "user",
        targetId: patId,
      }),
    );
    const admin = await as("chloe.admin@example.org");
    const { events } = await admin.audit.list({ action: "account.suspended" });
    expect(events).toEqual([
      expect.objectContaining({ actorUserId: patId, actor: null, realActor: null, activeRole: null }),
    ]);
    // Nor does filtering by the address find them.
    expect((await admin.audit.list({ actorEmail: "pat.platform@example.org" })).events).toEqual([]);
  });

  it("filters by the actor's or the real actor's email address, keeping the cursor", async () => {
    const admin = await as("chloe.admin@example.org");
    const bySam = await admin.audit.list({ actorEmail: " Sam.Support@Example.org ", limit: 1 });
    expect(bySam.events).toHaveLength(1);
    expect(bySam.events[0]).toMatchObject({
      action: "support.acting_as_started",
      realActor: { email: "sam.support@example.org" },
    });
    const older = await admin.audit.list({
      actorEmail: "sam.support@example.org",
      cursor: bySam.nextCursor ?? undefined,
    });
    expect(older.events.map((event) => [event.action, event.actor?.email])).toEqual([
      ["session.signed_in", "sam.support@example.org"],
    ]);
    expect(older.nextCursor).toBeNull();

    await expect(admin.audit.list({ actorEmail: "not an address" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("stops naming someone once their membership in the institution is removed", async () => {
    const admin = await as("chloe.admin@example.org");
    const ivanId = await idOf("ivan.instructor@example.org");
    const signedIn = async () =>
      (await admin.audit.list({ action: "session.signed_in", limit: 200 })).events.find(
        (event) => event.requestId === "sign-in-ivan.instructor@example.org",
      );
    expect(await signedIn()).toMatchObject({
      actor: { displayName: "Ivan Petrov", email: "ivan.instructor@example.org" },
      activeRole: "instructor",
    });

    const membership = await db
      .selectFrom("memberships")
      .select("id")
      .where("user_id", "=", ivanId)
      .executeTakeFirstOrThrow();
    await admin.memberships.remove({ membershipId: membership.id });
    expect(await signedIn()).toMatchObject({ actorUserId: ivanId, actor: null, activeRole: null });
  });

  it("verifies the chain, and reports an event edited behind the application's back", async () => {
    const admin = await as("chloe.admin@example.org");
    expect(await admin.audit.verify()).toEqual({ intact: true, breaks: [] });

    await db.transaction().execute(async (trx) => {
      await sql`alter table audit_events disable trigger audit_events_immutable`.execute(trx);
      await sql`update audit_events set ip = '203.0.113.66' where sequence = 1 and institution_id = (
        select id from institutions where slug = 'northwind-health')`.execute(trx);
      await sql`alter table audit_events enable trigger audit_events_immutable`.execute(trx);
    });
    expect(await admin.audit.verify()).toEqual({
      intact: false,
      breaks: [{ sequence: 1, problem: "event does not match its hash (edited)" }],
    });
  });

  it("is closed to roles without the audit permissions", async () => {
    const learner = await as("ada.learner@example.org");
    await expect(learner.audit.list({})).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("audit.read"),
    });
    const support = await as("sam.support@example.org");
    await expect(support.audit.list({})).resolves.toHaveProperty("events");
    await expect(support.audit.verify()).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("audit.verify"),
    });
  });
});
