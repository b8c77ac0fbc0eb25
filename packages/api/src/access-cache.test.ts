import { hashPassword } from "@learnops/auth/passwords";
import { sessionIdFromToken } from "@learnops/auth/session-tokens";
import { loadDemoData } from "@learnops/db/demo-data";
import { type NotificationListener, startNotificationListener } from "@learnops/db/notification-listener";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { withTenant, withUser } from "@learnops/db/tenancy";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AccessCache,
  accessChangesChannel,
  type CachedLessonFacts,
  listenForAccessChanges,
  parseAccessChange,
} from "./access-cache.ts";
import { decideLessonAccess } from "./access-decisions.ts";
import { resolveSession, startSession } from "./sessions.ts";
import { issueApiKey } from "./testing/api-keys.ts";
import { demoTestPassword } from "./testing/sign-in.ts";

const { db, appDb, appUrl } = await setupTestJobQueue();
const log = pino({ level: "silent" });

/** One API instance's cache and its listening connection, on this file's database. */
function apiInstance(options: ConstructorParameters<typeof AccessCache>[0] = {}) {
  const cache = new AccessCache(options);
  const listener = listenForAccessChanges(cache, { connectionString: appUrl, log, heartbeatMs: 200 });
  return { cache, listener };
}

const instances: NotificationListener[] = [];
afterAll(async () => {
  for (const listener of instances) await listener.stop();
});

/** Two API instances on the same database, both listening. */
async function twoInstances() {
  const a = apiInstance();
  const b = apiInstance();
  instances.push(a.listener, b.listener);
  await until(() => a.cache.enabled && b.cache.enabled);
  return { a: a.cache, b: b.cache };
}

/** Polls until `condition` holds, failing after `withinMs`: the bounded wait of a change across instances. */
async function until(condition: () => boolean | Promise<boolean>, withinMs = 3_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let northwind = "";
beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
  northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
});

const owner = <T>(work: Parameters<typeof withTenant<T>>[2]) => withTenant(db, { institutionId: northwind }, work);
const userId = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
const lesson = (courseCode: string, title: string) =>
  owner(async (trx) =>
    trx
      .selectFrom("lessons")
      .innerJoin("courses", "courses.id", "lessons.course_id")
      .select(["lessons.id", "lessons.course_id"])
      .where("courses.code", "=", courseCode)
      .where("lessons.title", "=", title)
      .executeTakeFirstOrThrow(),
  );

/** A fresh session of the person at Northwind, as a sign-in starts it. */
async function sessionOf(email: string): Promise<{ token: string; userId: string; clientGroupId: string | null }> {
  const id = await userId(email);
  const memberships = await withUser(appDb, id, (trx) => listOwnMemberships(trx, id));
  const membership = memberships.find((candidate) => candidate.institution_id === northwind) ?? null;
  const { token } = await startSession(appDb, { userId: id, membership, ip: null, userAgent: null }, new Date());
  return { token, userId: id, clientGroupId: membership?.client_group_id ?? null };
}

/** access.check as an API instance with this cache answers it. */
async function check(cache: AccessCache, token: string, lessonId: string) {
  const session = await resolveSession(appDb, token, new Date(), cache);
  if (!session?.membership) return null;
  return decideLessonAccess(
    appDb,
    {
      institutionId: session.membership.institution_id,
      userId: session.user.id,
      clientGroupId: session.membership.client_group_id,
    },
    lessonId,
    new Date(),
    cache,
  );
}

describe("the access cache, on its own", () => {
  it("reads notifications' payloads, and evicts everything for one it cannot read", () => {
    expect(parseAccessChange('{"sessions":["ab"]}')).toEqual(["s:ab"]);
    expect(parseAccessChange('{"userCourses":["u1:c1"],"institutions":["i1"]}')).toEqual(["uc:u1:c1", "i:i1"]);
    expect(parseAccessChange('{"apiKeys":["k1"]}')).toEqual(["k:k1"]);
    expect(parseAccessChange('{"all":true}')).toBe("all");
    expect(parseAccessChange("not json")).toBe("all");
    expect(parseAccessChange('{"users":"u1"}')).toBe("all");
    expect(parseAccessChange("{}")).toBe("all");
  });

  const facts = (courseId: string): CachedLessonFacts => ({
    courseId,
    facts: {
      course: { title: "A course", status: "published" },
      lesson: null,
      enrolment: null,
      overrides: [],
      completedLessonIds: new Set(),
    },
  });

  /** A cache that believes it is listening, with a clock the test moves. */
  function listeningCache(options: ConstructorParameters<typeof AccessCache>[0]) {
    const cache = new AccessCache(options);
    cache.listening(async () => {});
    return cache;
  }

  it("keeps at most its bound, dropping the least recently used first", async () => {
    const cache = listeningCache({ maxFacts: 3 });
    let loads = 0;
    const open = (lessonId: string) =>
      cache.lessonFacts({ institutionId: "i", userId: "u" }, lessonId, async () => {
        loads += 1;
        return facts("c");
      });
    for (const lessonId of ["l1", "l2", "l3"]) await open(lessonId);
    await open("l1");
    await open("l4");
    expect(cache.size.facts).toBe(3);
    expect(loads).toBe(4);
    await open("l1");
    expect(loads).toBe(4);
    await open("l2");
    expect(loads).toBe(5);
  });

  it("forgets an entry older than its TTL, whatever the notifications said", async () => {
    let now = 0;
    const cache = listeningCache({ ttlMs: 1_000, clock: () => now });
    let loads = 0;
    const open = () =>
      cache.lessonFacts({ institutionId: "i", userId: "u" }, "l", async () => {
        loads += 1;
        return facts("c");
      });
    await open();
    // Kept 80–100 % of the TTL, so that entries loaded together do not all expire together.
    now = 799;
    await open();
    expect(loads).toBe(1);
    now = 1_000;
    await open();
    expect(loads).toBe(2);
  });

  it("does not keep what a load read while a change to it was announced", async () => {
    const cache = listeningCache({});
    let loads = 0;
    const open = (change?: string) =>
      cache.lessonFacts({ institutionId: "i", userId: "u" }, "l", async () => {
        loads += 1;
        if (change) cache.applyChange(change);
        return facts("c");
      });
    await open('{"userCourses":["u:c"]}');
    await open();
    expect(loads).toBe(2);
    // An unrelated change in between does not stop it being kept.
    await open('{"userCourses":["someone-else:c"]}');
    await open();
    expect(loads).toBe(2);
  });

  it("settles any number of concurrent writers with at most two round trips, each sent after its call", async () => {
    const cache = new AccessCache();
    const sent: number[] = [];
    let calls = 0;
    cache.listening(async () => {
      sent.push(calls);
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const first = cache.settle();
    calls = 1;
    const rest = Array.from({ length: 50 }, () => cache.settle());
    calls = 51;
    await Promise.all([first, ...rest]);
    // The first round trip was sent before the 50 others called; the second, shared by them, after.
    expect(sent).toEqual([0, 51]);
  });

  it("keeps nothing until it is listening", async () => {
    const cache = new AccessCache();
    await cache.lessonFacts({ institutionId: "i", userId: "u" }, "l", async () => facts("c"));
    expect(cache.size.facts).toBe(0);
  });
});

describe("two API instances on one database", () => {
  it("see a session ended on the other (sign-out, plain SQL) at their next request", async () => {
    const { a, b } = await twoInstances();
    const ada = await sessionOf("ada.learner@example.org");
    expect(await resolveSession(appDb, ada.token, new Date(), a)).not.toBeNull();
    expect(await resolveSession(appDb, ada.token, new Date(), b)).not.toBeNull();
    expect(b.size.sessions).toBe(1);

    await db.deleteFrom("sessions").where("id", "=", sessionIdFromToken(ada.token)).execute();
    await until(async () => (await resolveSession(appDb, ada.token, new Date(), b)) === null);
    // The instance the change went through, once settled, answers no differently.
    await a.settle();
    expect(await resolveSession(appDb, ada.token, new Date(), a)).toBeNull();
  });

  it("see a suspension, a suspended enrolment and a changed role", async () => {
    const { a, b } = await twoInstances();
    const ada = await sessionOf("ada.learner@example.org");
    const { id: lessonId, course_id: courseId } = await lesson("infection-control", "Standard precautions");
    expect((await check(b, ada.token, lessonId))?.allowed).toBe(true);

    // An administrator suspends the enrolment through the other instance's pool.
    await owner((trx) =>
      trx
        .updateTable("enrolments")
        .set({ status: "suspended", status_reason: "Awaiting paperwork" })
        .where("user_id", "=", ada.userId)
        .where("course_id", "=", courseId)
        .execute(),
    );
    await until(async () => (await check(b, ada.token, lessonId))?.denial === "enrolment_suspended");
    await owner((trx) =>
      trx
        .updateTable("enrolments")
        .set({ status: "active", status_reason: null })
        .where("user_id", "=", ada.userId)
        .where("course_id", "=", courseId)
        .execute(),
    );
    await until(async () => (await check(b, ada.token, lessonId))?.allowed === true);

    const northwindMembership = () =>
      db.updateTable("memberships").where("user_id", "=", ada.userId).where("institution_id", "=", northwind);
    await northwindMembership().set({ role: "instructor" }).execute();
    await until(async () => (await resolveSession(appDb, ada.token, new Date(), b))?.membership?.role === "instructor");
    await northwindMembership().set({ role: "learner" }).execute();

    await db.updateTable("users").set({ status: "suspended" }).where("id", "=", ada.userId).execute();
    await until(async () => (await resolveSession(appDb, ada.token, new Date(), a)) === null);
    await db.updateTable("users").set({ status: "active" }).where("id", "=", ada.userId).execute();
  });

  it("open a lesson on both once its prerequisite is completed", async () => {
    const { a, b } = await twoInstances();
    const ada = await sessionOf("ada.learner@example.org");
    const quiz = await lesson("infection-control", "Standard precautions quiz");
    const audit = await lesson("infection-control", "Audit your ward");
    for (const cache of [a, b]) {
      expect(await check(cache, ada.token, audit.id)).toMatchObject({ denial: "prerequisites_incomplete" });
    }
    await owner((trx) =>
      trx
        .insertInto("lesson_progress")
        .values({
          institution_id: northwind,
          user_id: ada.userId,
          course_id: quiz.course_id,
          lesson_id: quiz.id,
          started_at: new Date(),
          completed_at: new Date(),
        })
        .onConflict((conflict) => conflict.columns(["user_id", "lesson_id"]).doUpdateSet({ completed_at: new Date() }))
        .execute(),
    );
    for (const cache of [a, b]) await until(async () => (await check(cache, ada.token, audit.id))?.allowed === true);
  });

  it("see an administrator's deny override and a prerequisite added to the course", async () => {
    const { a, b } = await twoInstances();
    const ada = await sessionOf("ada.learner@example.org");
    const first = await lesson("infection-control", "Standard precautions");
    const second = await lesson("infection-control", "Why infection control matters");
    expect((await check(b, ada.token, first.id))?.allowed).toBe(true);

    const override = await owner((trx) =>
      trx
        .insertInto("access_overrides")
        .values({
          institution_id: northwind,
          user_id: ada.userId,
          course_id: first.course_id,
          effect: "deny",
          reason: "Placement paperwork missing",
          expires_at: new Date(Date.now() + 86_400_000),
        })
        .returning("id")
        .executeTakeFirstOrThrow(),
    );
    await until(async () => (await check(b, ada.token, first.id))?.allowed === false);
    await owner((trx) =>
      trx.updateTable("access_overrides").set({ revoked_at: new Date() }).where("id", "=", override.id).execute(),
    );
    await until(async () => (await check(b, ada.token, first.id))?.allowed === true);

    // A course admin makes the first lesson require one Ada has not completed: every learner's facts go.
    expect((await check(a, ada.token, second.id))?.allowed).toBe(true);
    const completed = await owner((trx) =>
      trx.selectFrom("lesson_progress").select("lesson_id").where("user_id", "=", ada.userId).execute(),
    );
    const notDone = await owner((trx) =>
      trx
        .selectFrom("lessons")
        .select("id")
        .where("course_id", "=", first.course_id)
        .where("id", "not in", [first.id, second.id, ...completed.map((row) => row.lesson_id)])
        .executeTakeFirstOrThrow(),
    );
    await owner((trx) =>
      trx
        .insertInto("lesson_prerequisites")
        .values({
          institution_id: northwind,
          course_id: first.course_id,
          lesson_id: first.id,
          required_lesson_id: notDone.id,
        })
        .execute(),
    );
    for (const cache of [a, b]) {
      await until(async () => (await check(cache, ada.token, first.id))?.denial === "prerequisites_incomplete");
    }
    await owner((trx) => trx.deleteFrom("lesson_prerequisites").where("lesson_id", "=", first.id).execute());
    await until(async () => (await check(a, ada.token, first.id))?.allowed === true);
  });

  it("renew a session from memory when it is due, and still write the renewal", async () => {
    const { b } = await twoInstances();
    const ada = await sessionOf("ada.learner@example.org");
    const id = sessionIdFromToken(ada.token);
    const stored = () =>
      db.selectFrom("sessions").select("idle_expires_at").where("id", "=", id).executeTakeFirstOrThrow();
    const before = (await stored()).idle_expires_at;
    const first = await resolveSession(appDb, ada.token, new Date(), b);
    expect(first).not.toBeNull();
    expect(b.size.sessions).toBeGreaterThan(0);
    // Late in the idle window: the cached session is renewed in the database, as without the cache.
    const late = new Date(before.getTime() - 60_000);
    expect(await resolveSession(appDb, ada.token, late, b)).not.toBeNull();
    expect((await stored()).idle_expires_at.getTime()).toBeGreaterThan(before.getTime());
    // Past the idle expiry, the cached session is refused and deleted.
    const after = new Date((await stored()).idle_expires_at.getTime() + 1_000);
    expect(await resolveSession(appDb, ada.token, after, b)).toBeNull();
    expect(await db.selectFrom("sessions").select("id").where("id", "=", id).executeTakeFirst()).toBeUndefined();
  });

  it("flush and stop keeping entries when the listening connection is lost, until it is back", async () => {
    const { b } = await twoInstances();
    const ada = await sessionOf("ada.learner@example.org");
    await resolveSession(appDb, ada.token, new Date(), b);
    expect(b.size.sessions).toBe(1);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
               where application_name = 'learnops-api-listener' and datname = current_database()`.execute(db);
    await until(() => !b.enabled);
    expect(b.size).toEqual({ sessions: 0, facts: 0, structures: 0, progressStates: 0, apiKeys: 0 });
    // A change made while nobody listens cannot be missed: nothing was kept, nothing is kept meanwhile.
    await resolveSession(appDb, ada.token, new Date(), b);
    expect(b.enabled || b.size.sessions === 0).toBe(true);
    await until(() => b.enabled, 10_000);
    await resolveSession(appDb, ada.token, new Date(), b);
    expect(b.size.sessions).toBe(1);
  });
});

describe("the notifications", () => {
  /** The payloads announced while `change` runs. */
  async function announced(change: () => Promise<unknown>): Promise<string[]> {
    const payloads: string[] = [];
    let connected = false;
    const listener = startNotificationListener({
      connectionString: appUrl,
      channel: accessChangesChannel,
      onNotification: (payload) => payloads.push(payload),
      onConnected: () => {
        connected = true;
      },
      onDisconnected: () => {},
    });
    try {
      await until(() => connected);
      await change();
      // Back from the server after every notification committed before it.
      expect(await listener.roundTrip()).toBe(true);
      return payloads;
    } finally {
      await listener.stop();
    }
  }

  it("name the learner and course of a changed enrolment", async () => {
    const { course_id: course } = await lesson("infection-control", "Standard precautions");
    const ada = await userId("ada.learner@example.org");
    const payloads = await announced(() =>
      db
        .updateTable("enrolments")
        .set({ status_reason: null })
        .where("user_id", "=", ada)
        .where("course_id", "=", course)
        .execute(),
    );
    expect(payloads.map((payload) => JSON.parse(payload))).toEqual([{ userCourses: [`${ada}:${course}`] }]);
  });

  it("stay under 8000 bytes for a bulk change, naming the institution instead", async () => {
    const course = (await lesson("infection-control", "Why infection control matters")).course_id;
    const payloads = await announced(async () => {
      await db.transaction().execute(async (trx) => {
        await sql`insert into users (email, display_name)
                    select 'bulk' || n || '@example.org', 'Bulk ' || n from generate_series(1, 500) n`.execute(trx);
        await sql`insert into enrolments (institution_id, user_id, course_id, source, status)
                    select ${northwind}, id, ${course}, 'import', 'active' from users where email like 'bulk%'`.execute(
          trx,
        );
      });
    });
    expect(payloads.map((payload) => JSON.parse(payload))).toEqual([{ institutions: [northwind] }]);
  });

  it("come from every table sessions, facts and API keys are read from, each statement once", async () => {
    const tables = [
      ["sessions", "user_id"],
      ["users", "status"],
      ["memberships", "role"],
      ["institutions", "slug"],
      ["enrolments", "status"],
      ["access_overrides", "reason"],
      ["client_contracts", "status"],
      ["client_contract_courses", "course_id"],
      ["cohorts", "name"],
      ["courses", "status"],
      ["modules", "title"],
      ["lessons", "title"],
      ["lesson_prerequisites", "course_id"],
      ["module_prerequisites", "course_id"],
      ["promotions", "code"],
      ["api_keys", "name"],
    ] as const;
    await issueApiKey(db, { institutionId: northwind, scopes: ["xapi:write"] });
    const touched: string[] = [];
    const payloads = await announced(async () => {
      for (const [table, column] of tables) {
        // A no-op update of every row: the trigger runs (and notifies) as for a real change.
        const { numUpdatedRows } = await db
          .updateTable(table)
          .set({ [column]: sql.ref(column) })
          .executeTakeFirst();
        if (numUpdatedRows > 0n) touched.push(table);
      }
    });
    // Promotions announce a changed code only; the demo data has rows in every other table.
    expect(touched).toHaveLength(tables.length);
    expect(payloads).toHaveLength(tables.length - 1);
    for (const payload of payloads) {
      expect(new TextEncoder().encode(payload).length).toBeLessThan(8000);
      expect(parseAccessChange(payload)).not.toHaveLength(0);
    }
  });

  it("come from lesson progress only when a lesson's completion changes", async () => {
    const ada = await userId("ada.learner@example.org");
    const quiz = await lesson("infection-control", "Standard precautions quiz");
    const pair = `${ada}:${quiz.course_id}`;
    await db.deleteFrom("lesson_progress").where("user_id", "=", ada).where("lesson_id", "=", quiz.id).execute();
    const quiet = await announced(async () => {
      await db
        .insertInto("lesson_progress")
        .values({
          institution_id: northwind,
          user_id: ada,
          course_id: quiz.course_id,
          lesson_id: quiz.id,
          started_at: new Date(),
        })
        .execute();
      await db
        .updateTable("lesson_progress")
        .set({ last_activity_at: new Date(), event_count: sql`event_count + 1` })
        .where("user_id", "=", ada)
        .execute();
    });
    // Starting a lesson and recording activity on it (a video heartbeat) change no access fact.
    expect(quiet).toEqual([]);
    const completion = await announced(() =>
      db
        .updateTable("lesson_progress")
        .set({ completed_at: new Date() })
        .where("user_id", "=", ada)
        .where("lesson_id", "=", quiz.id)
        .execute(),
    );
    expect(completion.map((payload) => JSON.parse(payload))).toEqual([{ userCourses: [pair] }]);
    const removal = await announced(() =>
      db.deleteFrom("lesson_progress").where("user_id", "=", ada).where("lesson_id", "=", quiz.id).execute(),
    );
    expect(removal.map((payload) => JSON.parse(payload))).toEqual([{ userCourses: [pair] }]);
  });

  it("leave a promotion's use count alone", async () => {
    const payloads = await announced(() => db.updateTable("promotions").set({ uses: sql`uses + 1` }).execute());
    expect(payloads).toEqual([]);
  });
});
