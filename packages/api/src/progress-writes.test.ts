import { loadDemoData } from "@learnops/db/demo-data";
import {
  type LessonProgressRow,
  type NewProgressEvent,
  type ProgressWrite,
  recordProgressWrites,
} from "@learnops/db/queries/progress";
import { setupTestDatabase } from "@learnops/db/testing/database";
import { beforeAll, describe, expect, it } from "vitest";
import { ProgressWriteBatcher } from "./progress-writes.ts";
import { countingDb } from "./testing/counting-db.ts";
import { progressFixtures } from "./testing/progress-fixtures.ts";

const { db, appDb } = await setupTestDatabase();

let northwind = "";
let fixtures: ReturnType<typeof progressFixtures>;
beforeAll(async () => {
  await loadDemoData(db);
  northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
  fixtures = progressFixtures(db, northwind);
});

let keys = 0;

/** A learner's write of one `lesson_started` event, folded onto the state read now (a first event: a new row). */
async function startedWrite(learner: string, course: string, lesson: string, module: string): Promise<ProgressWrite> {
  const [read] = await recordProgressWrites(appDb, northwind, [
    {
      userId: learner,
      courses: [{ courseId: course, fingerprint: null }],
      keys: [],
      events: [],
      lessons: [],
      courseRows: [],
    },
  ]);
  if (read?.outcome !== "stale") throw new Error("a write with no fingerprint is always turned away");
  const at = new Date(Date.now() - 60_000);
  const event: NewProgressEvent = {
    institution_id: northwind,
    user_id: learner,
    course_id: course,
    module_id: module,
    lesson_id: lesson,
    type: "lesson_started",
    occurred_at: at,
    received_at: new Date(),
    source: "portal",
    idempotency_key: `batcher-${++keys}-${Math.random().toString(36).slice(2)}`,
    payload_sha256: "0".repeat(64),
    metadata: "{}",
    position_seconds: null,
    duration_seconds: null,
    watched_ranges: null,
    score: null,
    max_score: null,
    passed: null,
    minutes: null,
  };
  const row: LessonProgressRow = {
    institution_id: northwind,
    user_id: learner,
    course_id: course,
    lesson_id: lesson,
    started_at: at,
    completed_at: null,
    last_activity_at: at,
    event_count: 1,
    watched_seconds: null,
    duration_seconds: null,
    watched_fraction: null,
    last_position_seconds: null,
    best_score: null,
    best_max_score: null,
    best_score_percent: null,
    quiz_attempts: 0,
    live_minutes: null,
    downloaded_at: null,
    assignment_passed_at: null,
    watched_ranges: "[]",
    updated_at: new Date(),
  };
  return {
    userId: learner,
    courses: [{ courseId: course, fingerprint: read.states[0]?.fingerprint ?? null }],
    keys: [event.idempotency_key],
    events: [event],
    lessons: [row],
    courseRows: [],
  };
}

describe("the progress write batcher", () => {
  it("sends the writes handed in together as one statement, and a failing write fails only its own", async () => {
    const course = await fixtures.course("Batched writes", [
      { key: "m", title: "Only module", lessons: [{ key: "r", title: "Read this", kind: "reading" }] },
    ]);
    const other = await fixtures.course("Another course", [
      { key: "m", title: "Only module", lessons: [{ key: "r", title: "Read that", kind: "reading" }] },
    ]);
    const ids = (built: typeof course) => ({
      course: built.id,
      lesson: built.lessons.get("r") ?? "",
      module: built.modules.get("m") ?? "",
    });
    const here = ids(course);
    const learners = [];
    for (const name of ["Ann Batch", "Bo Batch", "Cy Batch"]) learners.push(await fixtures.person(name));
    const [ann, bo, cy] = learners.map((learner) => learner.id) as [string, string, string];
    const writes = await Promise.all(
      [ann, bo, cy].map((learner) => startedWrite(learner, here.course, here.lesson, here.module)),
    );

    const counted = countingDb(appDb);
    const batcher = new ProgressWriteBatcher(counted.db);
    const together = await Promise.all(writes.map((write) => batcher.write(northwind, write)));
    expect(together.map((outcome) => outcome.outcome)).toEqual(["written", "written", "written"]);
    expect(counted.counter.statements).toBe(1);
    const rows = await db
      .selectFrom("lesson_progress")
      .select(["user_id", "event_count"])
      .where("lesson_id", "=", here.lesson)
      .execute();
    expect(rows.toSorted((a, b) => a.user_id.localeCompare(b.user_id))).toEqual(
      [ann, bo, cy].toSorted().map((user_id) => ({ user_id, event_count: 1 })),
    );

    // A write naming a lesson of another course breaks the statement's foreign keys: sent again one by one,
    // only that write fails, and the others are written.
    const elsewhere = ids(other);
    const [good, bad] = await Promise.all(
      [ann, bo].map((learner) => startedWrite(learner, elsewhere.course, elsewhere.lesson, elsewhere.module)),
    );
    if (!good || !bad) throw new Error("no writes");
    const broken: ProgressWrite = {
      ...bad,
      events: bad.events.map((event) => ({ ...event, lesson_id: here.lesson })),
    };
    const before = counted.counter.statements;
    const [goodOutcome, badOutcome] = await Promise.allSettled([
      batcher.write(northwind, good),
      batcher.write(northwind, broken),
    ]);
    expect(counted.counter.statements - before).toBe(3);
    expect(goodOutcome).toMatchObject({ status: "fulfilled", value: { outcome: "written" } });
    expect(badOutcome).toMatchObject({
      status: "rejected",
      reason: { message: expect.stringContaining("foreign key") },
    });
    const logged = await db
      .selectFrom("progress_events")
      .select("user_id")
      .where("course_id", "=", elsewhere.course)
      .execute();
    expect(logged).toEqual([{ user_id: ann }]);
    expect(
      await db.selectFrom("lesson_progress").select("user_id").where("lesson_id", "=", elsewhere.lesson).execute(),
    ).toEqual([{ user_id: ann }]);
  });

  it("holds writes back while a statement is on its way, until enough wait to send another beside it", async () => {
    const course = await fixtures.course("Held writes", [
      { key: "m", title: "Only module", lessons: [{ key: "r", title: "Read on", kind: "reading" }] },
    ]);
    const [lesson, module] = [course.lessons.get("r") ?? "", course.modules.get("m") ?? ""];
    const writesOf = async (names: string[]) => {
      const writes: ProgressWrite[] = [];
      for (const name of names) {
        writes.push(await startedWrite((await fixtures.person(name)).id, course.id, lesson, module));
      }
      return writes as [ProgressWrite, ProgressWrite, ProgressWrite];
    };
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    /** Statements sent by the time the first write is answered, and in all, when two follow it at once. */
    const sendThree = async (
      held: { parallelFrom: number; parallelEventsFrom?: number },
      writes: [ProgressWrite, ProgressWrite, ProgressWrite],
    ) => {
      const counted = countingDb(appDb);
      const batcher = new ProgressWriteBatcher(counted.db, held);
      const first = batcher.write(northwind, writes[0]);
      await nextTurn();
      const following = [batcher.write(northwind, writes[1]), batcher.write(northwind, writes[2])];
      const whenFirstAnswered = await first.then(() => counted.counter.statements);
      const outcomes = await Promise.all(following);
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual(["written", "written"]);
      return { whenFirstAnswered, inAll: counted.counter.statements };
    };
    // Two waiting, three needed: they wait for the first and leave together.
    expect(await sendThree({ parallelFrom: 3 }, await writesOf(["Eve Hold", "Fay Hold", "Gus Hold"]))).toEqual({
      whenFirstAnswered: 1,
      inAll: 2,
    });
    // Two waiting, two needed: they leave together beside the first.
    expect(await sendThree({ parallelFrom: 2 }, await writesOf(["Hal Hold", "Ida Hold", "Jon Hold"]))).toEqual({
      whenFirstAnswered: 2,
      inAll: 2,
    });
    // Two waiting of three needed, but their two events are as many as needed: they leave beside the first.
    expect(
      await sendThree({ parallelFrom: 3, parallelEventsFrom: 2 }, await writesOf(["Kay Hold", "Lou Hold", "Max Hold"])),
    ).toEqual({ whenFirstAnswered: 2, inAll: 2 });
  });

  it("keeps one learner's writes in order: the next waits for the one on its way", async () => {
    const course = await fixtures.course("Ordered writes", [
      {
        key: "m",
        title: "Only module",
        lessons: [
          { key: "a", title: "First reading", kind: "reading" },
          { key: "b", title: "Second reading", kind: "reading" },
        ],
      },
    ]);
    const learner = (await fixtures.person("Di Order")).id;
    const module = course.modules.get("m") ?? "";
    const first = await startedWrite(learner, course.id, course.lessons.get("a") ?? "", module);
    const second = await startedWrite(learner, course.id, course.lessons.get("b") ?? "", module);
    const batcher = new ProgressWriteBatcher(appDb);
    // Both folded onto the same state: the first is written, and the second, sent after it, finds that state
    // gone (it would have overwritten nothing of it, but it was not folded onto it).
    const [one, two] = await Promise.all([batcher.write(northwind, first), batcher.write(northwind, second)]);
    expect(one.outcome).toBe("written");
    expect(two).toMatchObject({ outcome: "stale", states: [{ lessons: [{ lesson_id: course.lessons.get("a") }] }] });
  });
});
