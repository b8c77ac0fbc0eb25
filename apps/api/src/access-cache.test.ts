// Sessions and access over HTTP with the access cache, on two API instances sharing one database: whatever
// changes through one instance is seen by that instance's next request at once, and by the other's within a
// bounded wait; sign-out, sign-out everywhere, role switching, acting as someone and suspensions behave as
// they do without the cache.
import { AccessCache, listenForAccessChanges } from "@learnops/api/access-cache";
import { localPublicUrl as publicUrl } from "@learnops/api/context";
import { startSession } from "@learnops/api/sessions";
import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { withTenant, withUser } from "@learnops/db/tenancy";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "./server.ts";

const { appDb: db, db: ownerDb, appUrl, jobs } = await setupTestJobQueue();
const origin = "http://localhost";

function apiInstance() {
  const { log } = captureLog();
  const accessCache = new AccessCache();
  const listener = listenForAccessChanges(accessCache, { connectionString: appUrl, log });
  afterAll(() => listener.stop());
  return { app: createServer({ services: { db, jobs, publicUrl, accessCache }, log, webAppsDir: null }), accessCache };
}
const a = apiInstance();
const b = apiInstance();

type App = { app: ReturnType<typeof createServer> };

/** A procedure over HTTP, as the web apps call it: queries by GET, mutations by POST from our own origin. */
async function call(
  app: App,
  procedure: string,
  options: { cookie: string; input?: unknown; mutation?: boolean },
): Promise<{ status: number; data: unknown }> {
  const response = options.mutation
    ? await app.app.request(`${origin}/trpc/${procedure}`, {
        method: "POST",
        headers: { cookie: options.cookie, origin, host: "localhost", "content-type": "application/json" },
        body: JSON.stringify(options.input ?? {}),
      })
    : await app.app.request(
        `${origin}/trpc/${procedure}${options.input ? `?input=${encodeURIComponent(JSON.stringify(options.input))}` : ""}`,
        { headers: { cookie: options.cookie } },
      );
  const body = (await response.json()) as { result?: { data: unknown } };
  return { status: response.status, data: body.result?.data ?? null };
}

const sessionOf = async (app: App, cookie: string) =>
  (await call(app, "me.session", { cookie })).data as {
    user: { email: string };
    activeMembership: { institution: { slug: string } } | null;
    actingAs: { realUser: { email: string } } | null;
  } | null;

/** Polls until `condition` holds: the bounded wait for a change made through the other instance. */
async function until(condition: () => Promise<boolean>, withinMs = 3_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let northwind = "";
const userId = async (email: string) =>
  (await ownerDb.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;

/** A session of the person acting at an institution (Northwind by default), as its cookie. */
async function cookieOf(email: string, institutionId = northwind): Promise<string> {
  const id = await userId(email);
  const memberships = await withUser(db, id, (trx) => listOwnMemberships(trx, id));
  const membership = memberships.find((candidate) => candidate.institution_id === institutionId) ?? null;
  const { token } = await startSession(db, { userId: id, membership, ip: null, userAgent: null }, new Date());
  return `learnops_session=${token}`;
}

beforeAll(async () => {
  await loadDemoData(ownerDb, { passwordHash: await hashPassword("a long demo password") });
  northwind = (
    await ownerDb
      .selectFrom("institutions")
      .select("id")
      .where("slug", "=", "northwind-health")
      .executeTakeFirstOrThrow()
  ).id;
  await until(async () => a.accessCache.enabled && b.accessCache.enabled);
});

describe("with the access cache on two API instances", () => {
  it("signs out on the next request, on the instance signed out through and then on the other", async () => {
    const cookie = await cookieOf("ada.learner@example.org");
    expect((await sessionOf(a, cookie))?.user.email).toBe("ada.learner@example.org");
    expect((await sessionOf(b, cookie))?.user.email).toBe("ada.learner@example.org");
    expect(a.accessCache.size.sessions).toBeGreaterThan(0);

    expect((await call(a, "auth.signOut", { cookie, mutation: true })).status).toBe(200);
    expect(await sessionOf(a, cookie)).toBeNull();
    await until(async () => (await sessionOf(b, cookie)) === null);
  });

  it("signs out everywhere at once", async () => {
    const first = await cookieOf("ada.learner@example.org");
    const second = await cookieOf("ada.learner@example.org");
    for (const cookie of [first, second]) expect(await sessionOf(a, cookie)).not.toBeNull();
    expect((await call(a, "auth.signOutEverywhere", { cookie: first, mutation: true })).status).toBe(200);
    expect(await sessionOf(a, first)).toBeNull();
    expect(await sessionOf(a, second)).toBeNull();
  });

  it("switches membership and acts as someone without a stale session in between", async () => {
    const morgan = await cookieOf("morgan.lee@example.org");
    expect((await sessionOf(a, morgan))?.activeMembership?.institution.slug).toBe("northwind-health");
    await sessionOf(b, morgan);
    const lakeside = (
      (await call(a, "me.memberships", { cookie: morgan })).data as { id: string; institution: { slug: string } }[]
    ).find((membership) => membership.institution.slug === "lakeside-college");
    const switched = await call(a, "me.switchMembership", {
      cookie: morgan,
      input: { membershipId: lakeside?.id },
      mutation: true,
    });
    expect(switched.status).toBe(200);
    expect((await sessionOf(a, morgan))?.activeMembership?.institution.slug).toBe("lakeside-college");
    await until(async () => (await sessionOf(b, morgan))?.activeMembership?.institution.slug === "lakeside-college");

    const sam = await cookieOf("sam.support@example.org");
    expect((await sessionOf(a, sam))?.actingAs).toBeNull();
    const acted = await call(a, "support.actAs", {
      cookie: sam,
      input: { userId: await userId("ada.learner@example.org"), reason: "Ada cannot open her quiz" },
      mutation: true,
    });
    expect(acted.status).toBe(200);
    expect(await sessionOf(a, sam)).toMatchObject({
      user: { email: "ada.learner@example.org" },
      actingAs: { realUser: { email: "sam.support@example.org" } },
    });
    expect((await call(a, "support.stopActing", { cookie: sam, mutation: true })).status).toBe(200);
    expect(await sessionOf(a, sam)).toMatchObject({ user: { email: "sam.support@example.org" }, actingAs: null });
  });

  it("denies a lesson once an administrator suspends the enrolment, and opens it again on reinstatement", async () => {
    const ada = await cookieOf("ada.learner@example.org");
    const chloe = await cookieOf("chloe.admin@example.org");
    const { lessonId, enrolmentId } = await withTenant(ownerDb, { institutionId: northwind }, async (trx) => {
      const lesson = await trx
        .selectFrom("lessons")
        .select(["id", "course_id"])
        .where("title", "=", "Standard precautions")
        .executeTakeFirstOrThrow();
      const enrolment = await trx
        .selectFrom("enrolments")
        .select("id")
        .where("user_id", "=", await userId("ada.learner@example.org"))
        .where("course_id", "=", lesson.course_id)
        .executeTakeFirstOrThrow();
      return { lessonId: lesson.id, enrolmentId: enrolment.id };
    });
    const check = async (app: App) =>
      (await call(app, "access.check", { cookie: ada, input: { lessonId } })).data as {
        allowed: boolean;
        denial: string | null;
      };
    expect((await check(a)).allowed).toBe(true);
    expect((await check(b)).allowed).toBe(true);
    expect(a.accessCache.size.facts).toBeGreaterThan(0);

    const suspend = await call(a, "enrolments.suspend", {
      cookie: chloe,
      input: { enrolmentId, reason: "Awaiting the signed placement form" },
      mutation: true,
    });
    expect(suspend.status).toBe(200);
    expect((await check(a)).denial).toBe("enrolment_suspended");
    await until(async () => (await check(b)).denial === "enrolment_suspended");

    const reinstate = await call(b, "enrolments.reinstate", {
      cookie: chloe,
      input: { enrolmentId, reason: "The placement form arrived" },
      mutation: true,
    });
    expect(reinstate.status).toBe(200);
    expect((await check(b)).allowed).toBe(true);
    await until(async () => (await check(a)).allowed);
  });
});
