import { hashPassword } from "@learnops/auth/passwords";
import type { ProgressEventInput } from "@learnops/contracts/progress";
import { loadDemoData } from "@learnops/db/demo-data";
import { withTenant } from "@learnops/db/tenancy";
import type { OutgoingEmail } from "@learnops/email/transport";
import { notifyCourseCompleted } from "@learnops/jobs/course-completed";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { TRPCError } from "@trpc/server";
import { sql } from "kysely";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { AccessCache } from "../access-cache.ts";
import { recomputeCourseInChunks } from "../progress-projections.ts";
import { recordProgressEvents } from "../progress-recording.ts";
import { countingDb } from "../testing/counting-db.ts";
import { progressFixtures } from "../testing/progress-fixtures.ts";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const log = pino({ level: "silent" });

let northwind = "";
beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
  northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
});

const as = async (email: string, at?: Date) =>
  (await signedInCaller({ db: appDb, jobs, ...(at ? { now: () => at } : {}) }, email, "northwind-health"))();
const owner = <T>(work: Parameters<typeof withTenant<T>>[2]) => withTenant(db, { institutionId: northwind }, work);
/** An active enrolment granted by hand, as staff would; its id. */
const enrolActive = async (userId: string, course: string, reason: string) =>
  (
    await owner((trx) =>
      trx
        .insertInto("enrolments")
        .values({
          institution_id: northwind,
          user_id: userId,
          course_id: course,
          source: "manual_grant",
          status: "active",
          status_reason: reason,
        })
        .returning("id")
        .executeTakeFirstOrThrow(),
    )
  ).id;
const lessonId = (courseCode: string, title: string) =>
  owner(
    async (trx) =>
      (
        await trx
          .selectFrom("lessons")
          .innerJoin("courses", "courses.id", "lessons.course_id")
          .select("lessons.id")
          .where("courses.code", "=", courseCode)
          .where("lessons.title", "=", title)
          .executeTakeFirstOrThrow()
      ).id,
  );
const courseId = (code: string) =>
  owner(
    async (trx) => (await trx.selectFrom("courses").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id,
  );
const userId = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;

let keys = 0;
const key = () => `test-key-${String(++keys).padStart(5, "0")}-${Math.random().toString(36).slice(2, 8)}`;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe("progress.record", () => {
  it("records an event once: a repeat is a duplicate, the same key with another payload is refused", async () => {
    const ada = await as("ada.learner@example.org");
    const event = {
      type: "lesson_started" as const,
      idempotencyKey: key(),
      lessonId: await lessonId("infection-control", "Standard precautions quiz"),
      occurredAt: minutesAgo(5),
    };
    const first = await ada.progress.record(event);
    expect(first).toMatchObject({ index: 0, status: "accepted" });
    expect(await ada.progress.record(event)).toEqual({ ...first, status: "duplicate" });
    expect(await ada.progress.record({ ...event, occurredAt: minutesAgo(1) })).toMatchObject({
      status: "rejected",
      code: "idempotency_key_reused",
    });
    const logged = await db
      .selectFrom("progress_events")
      .select("id")
      .where("idempotency_key", "=", event.idempotencyKey)
      .execute();
    expect(logged).toHaveLength(1);
  });

  it("refuses an event that does not fit the lesson's kind", async () => {
    const ada = await as("ada.learner@example.org");
    expect(
      await ada.progress.record({
        type: "video_progress",
        idempotencyKey: key(),
        lessonId: await lessonId("dementia-care", "Communicating with care"),
        occurredAt: minutesAgo(3),
        positionSeconds: 10,
        durationSeconds: 100,
        watchedRanges: [[0, 10]],
      }),
    ).toMatchObject({ status: "rejected", code: "wrong_lesson_kind" });
  });

  it("refuses lessons the learner may not open now, and lessons of other institutions as not found", async () => {
    const started = (lesson: string) => ({
      type: "lesson_started" as const,
      idempotencyKey: key(),
      lessonId: lesson,
      occurredAt: minutesAgo(2),
    });
    const dementia = await lessonId("dementia-care", "Communicating with care");
    const infection = await lessonId("infection-control", "Why infection control matters");
    // Morgan is not enrolled in Dementia Care; Nina's enrolment is suspended.
    expect(await (await as("morgan.lee@example.org")).progress.record(started(dementia))).toMatchObject({
      status: "rejected",
      code: "access_denied",
      reason: "You are not enrolled in Dementia Care Essentials",
    });
    expect(await (await as("nina.learner@example.org")).progress.record(started(infection))).toMatchObject({
      status: "rejected",
      code: "access_denied",
      reason: expect.stringMatching(/^Your enrolment is suspended/),
    });
    const acmeLesson = await db
      .selectFrom("lessons")
      .innerJoin("courses", "courses.id", "lessons.course_id")
      .select("lessons.id")
      .where("courses.code", "=", "anti-bribery")
      .executeTakeFirstOrThrow();
    expect(await (await as("ada.learner@example.org")).progress.record(started(acmeLesson.id))).toMatchObject({
      status: "rejected",
      code: "lesson_not_found",
    });
    // A passed assignment is the review's word, never the learner's.
    expect(
      await (await as("ada.learner@example.org")).progress.record({
        ...started(await lessonId("infection-control", "Audit your ward")),
        type: "assignment_passed",
      }),
    ).toMatchObject({ status: "rejected", code: "access_denied" });
  });

  it("refuses a lesson whose prerequisites are incomplete, naming them", async () => {
    const ada = await as("ada.learner@example.org");
    expect(
      await ada.progress.record({
        type: "lesson_started",
        idempotencyKey: key(),
        lessonId: await lessonId("infection-control", "Audit your ward"),
        occurredAt: minutesAgo(2),
      }),
    ).toMatchObject({ status: "rejected", code: "access_denied", reason: "Complete Standard precautions quiz first" });
  });

  it("refuses an event from the future", async () => {
    const ada = await as("ada.learner@example.org");
    expect(
      await ada.progress.record({
        type: "lesson_started",
        idempotencyKey: key(),
        lessonId: await lessonId("dementia-care", "Communicating with care"),
        occurredAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    ).toMatchObject({ status: "rejected", code: "invalid_event", reason: "occurredAt is in the future" });
  });
});

describe("progress.recordMany", () => {
  it("keeps the good events of a batch with bad ones, answering each in order", async () => {
    const ada = await as("ada.learner@example.org");
    const reading = await lessonId("infection-control", "Standard precautions");
    const good = { type: "lesson_started", idempotencyKey: key(), lessonId: reading, occurredAt: minutesAgo(9) };
    // Behind an incomplete prerequisite, and sent twice.
    const shut = { ...good, idempotencyKey: key(), lessonId: await lessonId("infection-control", "Audit your ward") };
    const { results } = await ada.progress.recordMany({
      events: [
        good,
        { type: "lesson_started", idempotencyKey: "short", lessonId: reading, occurredAt: minutesAgo(9) },
        { type: "teleported", idempotencyKey: key(), lessonId: reading, occurredAt: minutesAgo(9) },
        { ...good, idempotencyKey: key(), type: "quiz_attempted", score: 3, maxScore: 5 },
        good,
        { type: "lesson_completed", idempotencyKey: key(), lessonId: reading, occurredAt: minutesAgo(8) },
        shut,
        shut,
      ],
    });
    expect(results.map((result) => [result.index, result.status, "code" in result ? result.code : null])).toEqual([
      [0, "accepted", null],
      [1, "rejected", "invalid_event"],
      [2, "rejected", "invalid_event"],
      [3, "rejected", "wrong_lesson_kind"],
      [4, "duplicate", null],
      [5, "accepted", null],
      [6, "rejected", "access_denied"],
      [7, "rejected", "access_denied"],
    ]);
    expect(results[1]).toMatchObject({ reason: expect.stringContaining("idempotencyKey") });
  });

  it("refuses more than 500 events at once with a typed BAD_REQUEST", async () => {
    const ada = await as("ada.learner@example.org");
    const reading = await lessonId("infection-control", "Standard precautions");
    const events = Array.from({ length: 501 }, () => ({
      type: "lesson_started",
      idempotencyKey: key(),
      lessonId: reading,
      occurredAt: minutesAgo(1),
    }));
    const refusal = await ada.progress.recordMany({ events }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TRPCError);
    expect(refusal).toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("concurrent recording", () => {
  it("serialises one learner's batches, so projections match a rebuild however the requests interleave", async () => {
    const medication = await courseId("medication-safety");
    const lessons = await Promise.all([
      lessonId("medication-safety", "Reading a prescription chart"),
      lessonId("medication-safety", "Case study: a near miss"),
    ]);
    const ada = await as("ada.learner@example.org");
    const batches = Array.from({ length: 6 }, (_, batch) =>
      Array.from({ length: 10 }, (_, n) => ({
        type: n % 3 === 0 ? "lesson_completed" : "lesson_started",
        idempotencyKey: key(),
        lessonId: lessons[(batch + n) % 2],
        occurredAt: minutesAgo(100 - batch * 10 - n),
      })),
    );
    const answers = await Promise.all(batches.map((events) => ada.progress.recordMany({ events })));
    expect(answers.flatMap((answer) => answer.results).every((result) => result.status === "accepted")).toBe(true);
    const projection = () =>
      db
        .selectFrom("lesson_progress")
        .select(["lesson_id", "started_at", "completed_at", "last_activity_at", "event_count"])
        .where("course_id", "=", medication)
        .orderBy("lesson_id")
        .execute();
    const incremental = await projection();
    expect(incremental.map((row) => row.event_count)).toEqual([30, 30]);
    await (await as("chloe.admin@example.org")).progress.rebuild({ courseId: medication });
    expect(await projection()).toEqual(incremental);
  });
});

describe("course completion", () => {
  it("completes Ada's course once, completes her enrolment, audits it and queues one job whose handler sends one email", async () => {
    const ada = await as("ada.learner@example.org");
    const adaId = await userId("ada.learner@example.org");
    const dementia = await courseId("dementia-care");
    const video = await lessonId("dementia-care", "What dementia is, and is not");
    const reading = await lessonId("dementia-care", "Communicating with care");
    const quiz = await lessonId("dementia-care", "Check your understanding");
    const { results } = await ada.progress.recordMany({
      events: [
        // Watched out of order, in two overlapping stretches: 95% of the video.
        {
          type: "video_progress",
          idempotencyKey: key(),
          lessonId: video,
          occurredAt: minutesAgo(50),
          positionSeconds: 900,
          durationSeconds: 900,
          watchedRanges: [[400, 855]],
        },
        {
          type: "video_progress",
          idempotencyKey: key(),
          lessonId: video,
          occurredAt: minutesAgo(58),
          positionSeconds: 450,
          durationSeconds: 900,
          watchedRanges: [[0, 450]],
        },
        { type: "lesson_completed", idempotencyKey: key(), lessonId: reading, occurredAt: minutesAgo(40) },
        {
          type: "quiz_attempted",
          idempotencyKey: key(),
          lessonId: quiz,
          occurredAt: minutesAgo(30),
          score: 4,
          maxScore: 10,
          passed: false,
        },
      ],
    });
    expect(results.every((result) => result.status === "accepted")).toBe(true);
    expect(await ada.progress.course({ courseId: dementia })).toMatchObject({
      percent: 66,
      completedRequiredLessons: 2,
      completedAt: null,
    });

    const passedAt = minutesAgo(20);
    const passing = {
      type: "quiz_attempted" as const,
      idempotencyKey: key(),
      lessonId: quiz,
      occurredAt: passedAt,
      score: 9,
      maxScore: 10,
      passed: true,
    };
    expect(await ada.progress.record(passing)).toMatchObject({ status: "accepted" });
    const progress = await ada.progress.course({ courseId: dementia });
    expect(progress).toMatchObject({ percent: 100, completedLessons: 3, completedAt: passedAt });
    expect(progress.lessons.find((lesson) => lesson.lessonId === quiz)).toMatchObject({ bestScorePercent: 90 });
    expect(progress.lessons.find((lesson) => lesson.lessonId === video)?.watchedFraction).toBeCloseTo(855 / 900);

    // A redelivered event and another attempt change nothing of the completion.
    expect(await ada.progress.record(passing)).toMatchObject({ status: "duplicate" });
    await ada.progress.record({ ...passing, idempotencyKey: key(), occurredAt: minutesAgo(10), score: 10 });

    const enrolment = await db
      .selectFrom("enrolments")
      .select(["id", "status", "completed_at"])
      .where("user_id", "=", adaId)
      .where("course_id", "=", dementia)
      .executeTakeFirstOrThrow();
    expect(enrolment).toMatchObject({ status: "completed", completed_at: new Date(passedAt) });
    const audit = await db
      .selectFrom("audit_events")
      .select(["actor_user_id", "action"])
      .where("target_id", "=", enrolment.id)
      .where("action", "=", "enrolment.completed")
      .execute();
    expect(audit).toEqual([{ actor_user_id: null, action: "enrolment.completed" }]);

    const queued = await sql<{
      data: { userId: string; courseId: string; institutionId: string; completedAt: string };
    }>`
      select data from pgboss.job where name = 'course-completed' and data->>'userId' = ${adaId}`.execute(db);
    expect(queued.rows).toHaveLength(1);
    const payload = queued.rows[0]?.data;
    if (!payload) throw new Error("no job");
    expect(payload).toMatchObject({ courseId: dementia, institutionId: northwind });

    // The job delivered twice (at least once) queues and sends one email.
    const sent: OutgoingEmail[] = [];
    const transport = {
      name: "log" as const,
      send: async (message: OutgoingEmail) => {
        sent.push(message);
        return { providerMessageId: null };
      },
    };
    await notifyCourseCompleted(appDb, payload, transport, log);
    await notifyCourseCompleted(appDb, payload, transport, log);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: "ada.learner@example.org", subject: "You completed Dementia Care Essentials" });
    const outbox = await db
      .selectFrom("email_outbox")
      .select("id")
      .where("user_id", "=", adaId)
      .where("kind", "=", "course_completed")
      .execute();
    expect(outbox).toHaveLength(1);
  });
});

describe("completion rules", () => {
  it("saves a course's rules for its admins and refuses rules naming lessons of another course or non-quizzes", async () => {
    const chloe = await as("chloe.admin@example.org");
    const medication = await courseId("medication-safety");
    const foreignQuiz = await lessonId("dementia-care", "Check your understanding");
    await expect(
      chloe.progress.setCompletionRules({ courseId: medication, rules: { quizMinimumPercent: { [foreignQuiz]: 80 } } }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("is not a lesson of this course"),
    });
    const reading = await lessonId("medication-safety", "Case study: a near miss");
    await expect(
      chloe.progress.setCompletionRules({ courseId: medication, rules: { quizMinimumPercent: { [reading]: 80 } } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("is not a quiz") });
    await expect(
      chloe.progress.setCompletionRules({ courseId: medication, rules: { videoWatchedFraction: 2 } as never }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const { rules } = await chloe.progress.setCompletionRules({
      courseId: medication,
      rules: { requiredLessons: { minimumShare: 0.75 }, videoWatchedFraction: 0.8 },
    });
    expect(rules).toMatchObject({ requiredLessons: { minimumShare: 0.75 }, videoWatchedFraction: 0.8 });
    expect(await chloe.progress.completionRules({ courseId: medication })).toEqual(rules);
    expect(
      await db
        .selectFrom("audit_events")
        .select("action")
        .where("action", "=", "course.completion_rules_set")
        .execute(),
    ).toHaveLength(1);
  });
});

/** Deterministic randomness (mulberry32), so a failing stream can be replayed from its seed. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("rebuilding projections from the event log", () => {
  it("gives what the increments gave, for a shuffled stream with duplicates, and the same for any arrival order", async () => {
    const seed = 20261204;
    const random = seeded(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const shuffle = <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    };

    // A course of every lesson kind in two modules, the second requiring the first, with demanding rules.
    const lab = await owner(async (trx) => {
      const course = await trx
        .insertInto("courses")
        .values({
          institution_id: northwind,
          code: "progress-lab",
          title: "Progress lab",
          status: "published",
          settings: JSON.stringify({
            completion: { minimumQuizPercent: 60, liveSessionMinimumMinutes: 30, videoWatchedFraction: 0.8 },
          }),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const modules = await trx
        .insertInto("modules")
        .values([
          { institution_id: northwind, course_id: course.id, position: 0, title: "First" },
          { institution_id: northwind, course_id: course.id, position: 1, title: "Second" },
        ])
        .returning("id")
        .execute();
      const [first, second] = modules.map((module) => module.id) as [string, string];
      await trx
        .insertInto("module_prerequisites")
        .values({ institution_id: northwind, course_id: course.id, module_id: second, required_module_id: first })
        .execute();
      const kinds = [
        [first, "video"],
        [first, "reading"],
        [first, "resource"],
        [second, "quiz"],
        [second, "live_session"],
        [second, "assignment"],
      ] as const;
      const lessons = await trx
        .insertInto("lessons")
        .values(
          kinds.map(([moduleId, kind], position) => ({
            institution_id: northwind,
            course_id: course.id,
            module_id: moduleId,
            position,
            title: `${kind} lesson`,
            kind,
            content_url: `https://content.example.org/${kind}`,
            content_provider: "Example",
          })),
        )
        .returning(["id", "kind"])
        .execute();
      return { id: course.id, lessons };
    });

    // Learners in pairs: the second of each pair gets the same events in the order they happened, in other
    // batches, and records them outside a transaction: in one statement wherever the fold can continue.
    const learners: string[] = [];
    for (let n = 0; n < 6; n++) {
      const user = await db
        .insertInto("users")
        .values({ email: `lab.learner${n}@example.org`, display_name: `Lab learner ${n}` })
        .returning("id")
        .executeTakeFirstOrThrow();
      await owner((trx) =>
        trx
          .insertInto("memberships")
          .values({ institution_id: northwind, user_id: user.id, role: "learner" })
          .execute(),
      );
      learners.push(user.id);
    }
    const base = Date.now() - 10 * 86_400_000;
    const eventFor = (lesson: { id: string; kind: string }): ProgressEventInput => {
      const common = {
        idempotencyKey: key(),
        lessonId: lesson.id,
        occurredAt: new Date(base + Math.floor(random() * 9 * 86_400_000)).toISOString(),
      };
      switch (lesson.kind) {
        case "video": {
          const start = Math.floor(random() * 450);
          return {
            ...common,
            type: pick(["video_progress", "video_progress", "lesson_started"] as const),
            positionSeconds: start + 100,
            durationSeconds: pick([600, 600, 610]),
            watchedRanges: [[start, start + Math.floor(random() * 300)]],
          } as ProgressEventInput;
        }
        case "quiz":
          return {
            ...common,
            type: "quiz_attempted",
            score: Math.floor(random() * 11),
            maxScore: 10,
            passed: random() < 0.5,
          };
        case "live_session":
          return { ...common, type: "live_session_attended", minutes: Math.floor(random() * 25) };
        case "assignment":
          return { ...common, type: pick(["assignment_passed", "lesson_started"] as const) };
        case "resource":
          return { ...common, type: pick(["resource_downloaded", "lesson_started", "lesson_completed"] as const) };
        default:
          return { ...common, type: pick(["lesson_started", "lesson_completed"] as const) };
      }
    };
    const now = new Date();
    // The second of each pair records outside a transaction with a cache: in one statement where it can.
    const accessCache = new AccessCache();
    accessCache.listening(async () => {});
    const recordInBatches = async (learner: string, events: readonly ProgressEventInput[], oneStatement = false) => {
      for (let offset = 0; offset < events.length; ) {
        const size = 1 + Math.floor(random() * 30);
        const results = await recordProgressEvents(
          appDb,
          { institutionId: northwind, userId: learner, clientGroupId: null },
          events.slice(offset, offset + size),
          "import",
          now,
          oneStatement ? { jobs, accessCache } : { jobs },
        );
        expect(results.filter((result) => result.status === "rejected")).toEqual([]);
        offset += size;
      }
    };
    for (let pair = 0; pair < learners.length; pair += 2) {
      const stream = Array.from({ length: 40 + Math.floor(random() * 40) }, () => eventFor(pick(lab.lessons)));
      // Redeliveries: about one event in six arrives again.
      const withDuplicates = [...stream, ...stream.filter(() => random() < 0.15)];
      await recordInBatches(learners[pair] as string, shuffle(withDuplicates));
      const inOrder = withDuplicates.toSorted((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      await recordInBatches(learners[pair + 1] as string, inOrder, true);
    }

    const snapshot = async () => {
      const lessons = await db
        .selectFrom("lesson_progress")
        .selectAll()
        .where("course_id", "=", lab.id)
        .orderBy("user_id")
        .orderBy("lesson_id")
        .execute();
      const courses = await db
        .selectFrom("course_progress")
        .selectAll()
        .where("course_id", "=", lab.id)
        .orderBy("user_id")
        .execute();
      return {
        lessons: lessons.map(({ updated_at: _updated, ...row }) => row),
        courses: courses.map(({ updated_at: _updated, completion_email_outbox_id: _outbox, ...row }) => row),
      };
    };
    const incremental = await snapshot();
    expect(incremental.lessons.length).toBeGreaterThan(learners.length * 3);
    expect(incremental.lessons.some((row) => row.completed_at !== null)).toBe(true);
    // The seed gives one pair that completes the course (through the prerequisite module) and others that do not.
    expect(incremental.courses.filter((row) => row.completed_at !== null)).toHaveLength(2);

    // Each pair's two learners, fed the same events in different orders, have the same projections.
    const withoutUser = <T extends { user_id: string }>(rows: T[], user: string) =>
      rows.filter((row) => row.user_id === user).map(({ user_id: _user, ...row }) => row);
    for (let pair = 0; pair < learners.length; pair += 2) {
      const [a, b] = [learners[pair] as string, learners[pair + 1] as string];
      expect(withoutUser(incremental.lessons, b)).toEqual(withoutUser(incremental.lessons, a));
      expect(withoutUser(incremental.courses, b)).toEqual(withoutUser(incremental.courses, a));
    }

    const chloe = await as("chloe.admin@example.org");
    expect(await chloe.progress.rebuild({ courseId: lab.id })).toMatchObject({ learners: learners.length });
    expect(await snapshot()).toEqual(incremental);
    // Per learner too, and after wiping the projections by hand.
    await db.deleteFrom("lesson_progress").where("course_id", "=", lab.id).execute();
    for (const learner of learners) await chloe.progress.rebuild({ userId: learner });
    expect(await snapshot()).toEqual(incremental);
    expect(
      await db
        .selectFrom("audit_events")
        .select("action")
        .where("action", "=", "progress.rebuilt")
        .where("target_id", "in", [lab.id, ...learners])
        .execute(),
    ).toHaveLength(1 + learners.length);
  }, 120_000);
});

describe("progress.record with the access cache", () => {
  it("reads facts and the course from memory, and refuses only on facts read now", async () => {
    // A cache that believes it is listening but never hears a change: whatever it keeps stays as loaded.
    const accessCache = new AccessCache();
    accessCache.listening(async () => {});
    const ada = await (
      await signedInCaller({ db: appDb, jobs, accessCache }, "ada.learner@example.org", "northwind-health")
    )();
    const audit = await lessonId("infection-control", "Audit your ward");
    const started = () => ({
      type: "lesson_started" as const,
      idempotencyKey: key(),
      lessonId: audit,
      occurredAt: minutesAgo(2),
    });
    expect(await ada.progress.record(started())).toMatchObject({
      status: "rejected",
      code: "access_denied",
      reason: "Complete Standard precautions quiz first",
    });
    expect(accessCache.size).toMatchObject({ facts: 1, structures: 1 });
    // The prerequisite is completed behind the cache's back: the cached facts still say it is not.
    const quiz = await lessonId("infection-control", "Standard precautions quiz");
    const ids = { user: await userId("ada.learner@example.org"), course: await courseId("infection-control") };
    await owner((trx) =>
      trx
        .insertInto("lesson_progress")
        .values({
          institution_id: northwind,
          user_id: ids.user,
          course_id: ids.course,
          lesson_id: quiz,
          started_at: new Date(Date.now() - 3_600_000),
          completed_at: new Date(Date.now() - 3_600_000),
          last_activity_at: new Date(Date.now() - 3_600_000),
        })
        .onConflict((conflict) =>
          conflict.columns(["user_id", "lesson_id"]).doUpdateSet({ completed_at: new Date(Date.now() - 3_600_000) }),
        )
        .execute(),
    );
    const accepted = await ada.progress.record(started());
    expect(accepted).toMatchObject({ status: "accepted" });
    // A lesson of another institution is still not found, whatever the cache holds.
    const acmeLesson = await db
      .selectFrom("lessons")
      .innerJoin("courses", "courses.id", "lessons.course_id")
      .select("lessons.id")
      .where("courses.code", "=", "anti-bribery")
      .executeTakeFirstOrThrow();
    expect(await ada.progress.record({ ...started(), lessonId: acmeLesson.id })).toMatchObject({
      status: "rejected",
      code: "lesson_not_found",
    });
  });

  it("declares a recording quiet to the HTTP layer unless it changed a lesson's completion", async () => {
    const accessChanges = { quietMutations: 0 };
    const ada = await (
      await signedInCaller({ db: appDb, jobs, accessChanges }, "ada.learner@example.org", "northwind-health")
    )();
    const opened = await lessonId("infection-control", "Why infection control matters");
    // No completion changes: nothing announced, nothing for the cache to settle.
    expect(
      await ada.progress.record({
        type: "lesson_started",
        idempotencyKey: key(),
        lessonId: opened,
        occurredAt: minutesAgo(3),
      }),
    ).toMatchObject({ status: "accepted" });
    expect(accessChanges.quietMutations).toBe(1);
    // A completion (the lesson's row removed first, so the completion is new whatever the demo data held).
    const adaId = await userId("ada.learner@example.org");
    await owner((trx) =>
      trx.deleteFrom("lesson_progress").where("user_id", "=", adaId).where("lesson_id", "=", opened).execute(),
    );
    const { results } = await ada.progress.recordMany({
      events: [{ type: "lesson_completed", idempotencyKey: key(), lessonId: opened, occurredAt: minutesAgo(2) }],
    });
    expect(results).toMatchObject([{ status: "accepted" }]);
    expect(accessChanges.quietMutations).toBe(1);
  });
});

describe("recording in one statement", () => {
  /** A new learner, actively enrolled in Dementia Care Essentials (video, reading, quiz; no prerequisites). */
  const enrolledLearner = async (email: string) => {
    const user = await db
      .insertInto("users")
      .values({ email, display_name: email.split("@")[0] ?? email, email_verified_at: new Date() })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("password_credentials")
      .values({ user_id: user.id, hash: await hashPassword(demoTestPassword) })
      .execute();
    const course = await courseId("dementia-care");
    await owner(async (trx) => {
      await trx
        .insertInto("memberships")
        .values({ institution_id: northwind, user_id: user.id, role: "learner" })
        .execute();
      await trx
        .insertInto("enrolments")
        .values({
          institution_id: northwind,
          user_id: user.id,
          course_id: course,
          source: "manual_grant",
          status: "active",
          status_reason: "One-statement recording test",
        })
        .execute();
    });
    const lessons = await owner((trx) =>
      trx.selectFrom("lessons").select(["id", "kind"]).where("course_id", "=", course).orderBy("position").execute(),
    );
    return { userId: user.id, courseId: course, lessons };
  };

  const listeningCache = () => {
    const cache = new AccessCache();
    cache.listening(async () => {});
    return cache;
  };

  const projections = async (user: string, course: string) => ({
    lessons: await db
      .selectFrom("lesson_progress")
      .selectAll()
      .where("user_id", "=", user)
      .where("course_id", "=", course)
      .orderBy("lesson_id")
      .execute(),
    course: await db
      .selectFrom("course_progress")
      .selectAll()
      .where("user_id", "=", user)
      .where("course_id", "=", course)
      .executeTakeFirst(),
  });

  it("records a lesson's later events in one statement, and a repeat in one statement that writes nothing", async () => {
    const learner = await enrolledLearner("one.statement@example.org");
    const video = learner.lessons.find((lesson) => lesson.kind === "video");
    if (!video) throw new Error("the course has no video lesson");
    const { counter, db: counted } = countingDb(appDb);
    const accessCache = listeningCache();
    const caller = await (
      await signedInCaller({ db: counted, jobs, accessCache }, "one.statement@example.org", "northwind-health")
    )();
    const heartbeat = (seconds: number, at: number) => ({
      type: "video_progress" as const,
      idempotencyKey: key(),
      lessonId: video.id,
      occurredAt: minutesAgo(at),
      positionSeconds: seconds,
      durationSeconds: 600,
      watchedRanges: [[seconds - 60, seconds]] as [number, number][],
    });
    const statementsOf = async (work: () => Promise<unknown>) => {
      const before = counter.statements;
      await work();
      return counter.statements - before;
    };

    // The lesson's first event: the full path (a transaction under the learner's lock).
    expect(await caller.progress.record(heartbeat(60, 30))).toMatchObject({ status: "accepted" });
    // This instance has not seen the learner's progress yet: read with the attempt, then written.
    expect(await statementsOf(() => caller.progress.record(heartbeat(120, 20)))).toBe(2);
    // Now it has: one statement.
    const third = heartbeat(180, 10);
    let result: unknown;
    expect(
      await statementsOf(async () => {
        result = await caller.progress.record(third);
      }),
    ).toBe(1);
    expect(result).toMatchObject({ status: "accepted", eventId: expect.any(String) });
    const after = await projections(learner.userId, learner.courseId);
    expect(after.lessons).toMatchObject([
      { lesson_id: video.id, event_count: 3, watched_seconds: 180, last_position_seconds: 180, watched_fraction: 0.3 },
    ]);
    expect(after.course).toMatchObject({ percent: 0, completed_lessons: 0, lesson_count: learner.lessons.length });
    expect(after.course?.last_activity_at).toEqual(new Date(third.occurredAt));

    // The same event again: a duplicate, in one statement, and nothing changes.
    expect(await caller.progress.record(third)).toMatchObject({
      status: "duplicate",
      eventId: (result as { eventId: string }).eventId,
    });
    expect(await caller.progress.record({ ...third, positionSeconds: 181 })).toMatchObject({
      status: "rejected",
      code: "idempotency_key_reused",
    });
    expect(await projections(learner.userId, learner.courseId)).toEqual(after);
    expect(await statementsOf(() => caller.progress.record(third))).toBe(1);
  });

  const videoOf = (learner: { lessons: { id: string; kind: string }[] }) => {
    const video = learner.lessons.find((lesson) => lesson.kind === "video");
    if (!video) throw new Error("the course has no video lesson");
    return video.id;
  };
  const heartbeatOn = (lesson: string, seconds: number, minutes: number) => ({
    type: "video_progress" as const,
    idempotencyKey: key(),
    lessonId: lesson,
    occurredAt: minutesAgo(minutes),
    positionSeconds: seconds,
    durationSeconds: 600,
    watchedRanges: [[seconds - 60, seconds]] as [number, number][],
  });
  const callerOf = async (email: string, services: { db?: typeof appDb; accessCache: AccessCache }) =>
    (
      await signedInCaller(
        { db: services.db ?? appDb, jobs, accessCache: services.accessCache },
        email,
        "northwind-health",
      )
    )();

  it("folds again when another instance wrote meanwhile, and loses nothing", async () => {
    const learner = await enrolledLearner("two.instances@example.org");
    const video = videoOf(learner);
    const counted = countingDb(appDb);
    const onA = await callerOf("two.instances@example.org", { db: counted.db, accessCache: listeningCache() });
    const onB = await callerOf("two.instances@example.org", { accessCache: listeningCache() });
    await onA.progress.record(heartbeatOn(video, 60, 50));
    await onA.progress.record(heartbeatOn(video, 120, 40));
    // Written on B: what A keeps of the learner's progress is no longer the stored state.
    expect(await onB.progress.record(heartbeatOn(video, 300, 30))).toMatchObject({ status: "accepted" });
    const before = counted.counter.statements;
    expect(await onA.progress.record(heartbeatOn(video, 360, 20))).toMatchObject({ status: "accepted" });
    // Turned away with the state as it is, folded again, written.
    expect(counted.counter.statements - before).toBe(2);
    const incremental = await projections(learner.userId, learner.courseId);
    expect(incremental.lessons).toMatchObject([{ event_count: 4, watched_seconds: 240, last_position_seconds: 360 }]);
    expect(incremental.lessons[0]?.watched_ranges).toEqual([
      [0, 120],
      [240, 360],
    ]);
    // What a rebuild from the log gives.
    const chloe = await as("chloe.admin@example.org");
    await chloe.progress.rebuild({ userId: learner.userId });
    const rebuilt = await projections(learner.userId, learner.courseId);
    const withoutTimes = (state: typeof incremental) => ({
      lessons: state.lessons.map(({ updated_at: _updated, ...row }) => row),
      course: state.course && { ...state.course, updated_at: null },
    });
    expect(withoutTimes(rebuilt)).toEqual(withoutTimes(incremental));
  });

  it("shares one statement among learners recording at once, each judged on its own", async () => {
    const emails = ["shared.one@example.org", "shared.two@example.org", "shared.three@example.org"];
    const learners = [];
    for (const email of emails) learners.push(await enrolledLearner(email));
    const [one, two, three] = learners as [(typeof learners)[0], (typeof learners)[0], (typeof learners)[0]];
    const counted = countingDb(appDb);
    const accessCache = listeningCache();
    const callers = await Promise.all(emails.map((email) => callerOf(email, { db: counted.db, accessCache })));
    const [onOne, onTwo, onThree] = callers as [(typeof callers)[0], (typeof callers)[0], (typeof callers)[0]];
    // Each learner's lesson started and its state read by this instance.
    const earlier = heartbeatOn(videoOf(two), 120, 40);
    for (const [caller, learner] of [
      [onOne, one],
      [onTwo, two],
      [onThree, three],
    ] as const) {
      expect(await caller.progress.record(heartbeatOn(videoOf(learner), 60, 50))).toMatchObject({ status: "accepted" });
      expect(
        await caller.progress.record(caller === onTwo ? earlier : heartbeatOn(videoOf(learner), 120, 40)),
      ).toMatchObject({ status: "accepted" });
    }
    const before = counted.counter.statements;
    const results = await Promise.all([
      onOne.progress.record(heartbeatOn(videoOf(one), 180, 30)),
      onTwo.progress.record(earlier),
      onThree.progress.record({ ...heartbeatOn(videoOf(three), 180, 30), positionSeconds: 175 }),
      // The same learner twice at once: the second waits for a later statement.
      onOne.progress.record(heartbeatOn(videoOf(one), 240, 20)),
    ]);
    expect(results).toMatchObject([
      { status: "accepted" },
      { status: "duplicate" },
      { status: "accepted" },
      { status: "accepted" },
    ]);
    // One statement for the three learners. The learner's second event waits for their first to be written;
    // folded onto the state before it, it is turned away by a second statement and written by a third.
    expect(counted.counter.statements - before).toBe(3);
    expect((await projections(one.userId, one.courseId)).lessons).toMatchObject([
      { event_count: 4, watched_seconds: 240, last_position_seconds: 240 },
    ]);
    expect((await projections(two.userId, two.courseId)).lessons).toMatchObject([{ event_count: 2 }]);
    expect((await projections(three.userId, three.courseId)).lessons).toMatchObject([
      { event_count: 3, last_position_seconds: 175 },
    ]);
  });

  it("leaves a course completion to the full path: the enrolment completed and one job queued", async () => {
    const learner = await enrolledLearner("completes.here@example.org");
    const caller = await callerOf("completes.here@example.org", { accessCache: listeningCache() });
    const lessonOf = (kind: string) => learner.lessons.find((lesson) => lesson.kind === kind)?.id ?? "";
    const quiz = lessonOf("quiz");
    await caller.progress.recordMany({
      events: [
        { ...heartbeatOn(lessonOf("video"), 600, 50), watchedRanges: [[0, 600]] },
        { type: "lesson_completed", idempotencyKey: key(), lessonId: lessonOf("reading"), occurredAt: minutesAgo(45) },
      ],
    });
    const attempt = (score: number, minutes: number) => ({
      type: "quiz_attempted" as const,
      idempotencyKey: key(),
      lessonId: quiz,
      occurredAt: minutesAgo(minutes),
      score,
      maxScore: 10,
      passed: score >= 7,
    });
    await caller.progress.record(attempt(3, 40));
    await caller.progress.record(attempt(4, 35));
    const passedAt = minutesAgo(30);
    expect(await caller.progress.record({ ...attempt(9, 30), occurredAt: passedAt })).toMatchObject({
      status: "accepted",
    });
    expect((await projections(learner.userId, learner.courseId)).course).toMatchObject({
      percent: 100,
      completed_at: new Date(passedAt),
    });
    const enrolment = await db
      .selectFrom("enrolments")
      .select(["id", "status"])
      .where("user_id", "=", learner.userId)
      .executeTakeFirstOrThrow();
    expect(enrolment.status).toBe("completed");
    // Attempts after the completion go on being recorded, in one statement, and complete nothing again.
    await caller.progress.record(attempt(10, 20));
    await caller.progress.record(attempt(8, 10));
    const queued = await sql`
      select 1 from pgboss.job where name = 'course-completed' and data->>'userId' = ${learner.userId}`.execute(db);
    expect(queued.rows).toHaveLength(1);
    expect(
      await db
        .selectFrom("audit_events")
        .select("id")
        .where("target_id", "=", enrolment.id)
        .where("action", "=", "enrolment.completed")
        .execute(),
    ).toHaveLength(1);
    expect(
      (await projections(learner.userId, learner.courseId)).lessons.find((row) => row.lesson_id === quiz),
    ).toMatchObject({
      quiz_attempts: 5,
      best_score: 10,
    });
  });
});

describe("a lesson's kind or requiredness changed", () => {
  it("folds the course's projections again from the log, in the same transaction", async () => {
    const fixtures = progressFixtures(db, northwind);
    const course = await fixtures.course("Kinds change", [
      {
        key: "m",
        title: "Only module",
        lessons: [
          { key: "read", title: "Read first", kind: "reading" },
          { key: "more", title: "Read more", kind: "reading" },
        ],
      },
    ]);
    const learner = await fixtures.person("Kim Change");
    await enrolActive(learner.id, course.id, "Kind change test");
    const read = course.lessons.get("read") ?? "";
    const kim = await (
      await signedInCaller({ db: appDb, jobs, accessCache: new AccessCache() }, learner.email, "northwind-health")
    )();
    expect(
      await kim.progress.record({
        type: "lesson_completed",
        idempotencyKey: key(),
        lessonId: read,
        occurredAt: minutesAgo(5),
      }),
    ).toMatchObject({ status: "accepted" });
    expect(await kim.progress.course({ courseId: course.id })).toMatchObject({ percent: 50, completedLessons: 1 });

    // Now a quiz: a reading's "completed" does not complete a quiz, so the lesson is started, not completed.
    const chloe = await as("chloe.admin@example.org");
    await chloe.courses.updateLesson({ lessonId: read, kind: "quiz" });
    const afterKind = await kim.progress.course({ courseId: course.id });
    expect(afterKind).toMatchObject({ percent: 0, completedLessons: 0 });
    expect(afterKind.lessons.find((lesson) => lesson.lessonId === read)).toMatchObject({ completedAt: null });

    // Back to a reading, and the other lesson no longer required: the one completed lesson is the whole course.
    await chloe.courses.updateLesson({ lessonId: read, kind: "reading" });
    await chloe.courses.updateLesson({ lessonId: course.lessons.get("more") ?? "", required: false });
    expect(await kim.progress.course({ courseId: course.id })).toMatchObject({ percent: 100 });
    // A title change folds nothing again.
    const rebuilds = () =>
      db.selectFrom("lesson_progress").select("updated_at").where("lesson_id", "=", read).executeTakeFirstOrThrow();
    const before = await rebuilds();
    await chloe.courses.updateLesson({ lessonId: read, title: "Read this first" });
    expect(await rebuilds()).toEqual(before);
  });
});

describe("a course's outline changed", () => {
  it("counts an added or removed lesson in every learner's percentage at once, and takes back no completion", async () => {
    const fixtures = progressFixtures(db, northwind);
    const course = await fixtures.course("Outline change", [
      {
        key: "m",
        title: "Only module",
        lessons: [
          { key: "a", title: "Part A", kind: "reading" },
          { key: "b", title: "Part B", kind: "reading" },
        ],
      },
    ]);
    const [a, b] = [course.lessons.get("a") ?? "", course.lessons.get("b") ?? ""];
    const enrol = async (name: string) => {
      const person = await fixtures.person(name);
      const enrolment = await enrolActive(person.id, course.id, "Outline change test");
      const caller = await (
        await signedInCaller({ db: appDb, jobs, accessCache: new AccessCache() }, person.email, "northwind-health")
      )();
      const complete = (lesson: string, minutes: number) =>
        caller.progress.record({
          type: "lesson_completed",
          idempotencyKey: key(),
          lessonId: lesson,
          occurredAt: minutesAgo(minutes),
        });
      const status = async () =>
        (await db.selectFrom("enrolments").select("status").where("id", "=", enrolment).executeTakeFirstOrThrow())
          .status;
      const completions = async () =>
        (
          await sql`select 1 from pgboss.job where name = 'course-completed' and data->>'userId' = ${person.id}`.execute(
            db,
          )
        ).rows.length;
      return { id: person.id, caller, complete, status, completions };
    };
    const kim = await enrol("Kim Finished");
    const lee = await enrol("Lee Halfway");
    await kim.complete(a, 30);
    await kim.complete(b, 20);
    await lee.complete(a, 10);
    const kimDone = await kim.caller.progress.course({ courseId: course.id });
    expect(kimDone).toMatchObject({ percent: 100 });
    expect(kimDone.completedAt).not.toBeNull();
    expect(await lee.caller.progress.course({ courseId: course.id })).toMatchObject({ percent: 50, completedAt: null });

    // A third required lesson: Lee has done one of three; Kim's completion stands, at the time it was made.
    const chloe = await as("chloe.admin@example.org");
    const added = await chloe.courses.addLesson({
      moduleId: course.modules.get("m") ?? "",
      title: "Part C",
      kind: "reading",
      content: { url: "https://content.example.org/part-c", provider: "Reader", externalId: null },
    });
    expect(await lee.caller.progress.course({ courseId: course.id })).toMatchObject({
      percent: 33,
      requiredLessons: 3,
    });
    expect(await kim.caller.progress.course({ courseId: course.id })).toMatchObject({
      percent: 100,
      completedAt: kimDone.completedAt,
    });
    expect(await kim.status()).toBe("completed");
    expect(await kim.completions()).toBe(1);

    // Lee finishes B: two of three. Removing C then leaves nothing missing, and the completion is recorded.
    await lee.complete(b, 5);
    expect(await lee.caller.progress.course({ courseId: course.id })).toMatchObject({ percent: 66, completedAt: null });
    expect(await lee.status()).toBe("active");
    await chloe.courses.removeLesson({ lessonId: added.id });
    const leeDone = await lee.caller.progress.course({ courseId: course.id });
    expect(leeDone).toMatchObject({ percent: 100, requiredLessons: 2 });
    expect(leeDone.completedAt).not.toBeNull();
    expect(await lee.status()).toBe("completed");
    expect(await lee.completions()).toBe(1);

    // Making a lesson required again, or any later refold, does not take Kim's completion back either.
    await chloe.courses.updateLesson({ lessonId: b, required: false });
    await chloe.courses.updateLesson({ lessonId: b, required: true });
    expect(await kim.caller.progress.course({ courseId: course.id })).toMatchObject({
      percent: 100,
      completedAt: kimDone.completedAt,
    });
  });
});

describe("a large course's recompute", () => {
  it("is left to the progress-recompute job, sent with the change, which works through the learners page by page", async () => {
    const fixtures = progressFixtures(db, northwind);
    const course = await fixtures.course("Large course", [
      {
        key: "m",
        title: "Only module",
        lessons: [
          { key: "a", title: "Part A", kind: "reading" },
          { key: "b", title: "Part B", kind: "reading" },
        ],
      },
    ]);
    const partA = course.lessons.get("a") ?? "";
    const learners: { id: string; enrolment: string }[] = [];
    for (const name of ["Una Page", "Dev Page", "Tri Page", "Quinn Page", "Penta Page"]) {
      const person = await fixtures.person(name);
      const enrolment = await enrolActive(person.id, course.id, "Large course test");
      const caller = await (await signedInCaller({ db: appDb, jobs }, person.email, "northwind-health"))();
      await caller.progress.record({
        type: "lesson_completed",
        idempotencyKey: key(),
        lessonId: partA,
        occurredAt: minutesAgo(5),
      });
      learners.push({ id: person.id, enrolment });
    }
    const figures = () =>
      db
        .selectFrom("course_progress")
        .innerJoin("enrolments", (join) =>
          join
            .onRef("enrolments.user_id", "=", "course_progress.user_id")
            .onRef("enrolments.course_id", "=", "course_progress.course_id"),
        )
        .select(["course_progress.percent", "course_progress.completed_at", "enrolments.status"])
        .where("course_progress.course_id", "=", course.id)
        .execute();
    const waitingJobs = async () =>
      (
        await sql`select data from pgboss.job where name = 'progress-recompute' and state = 'created'
                  and data->>'courseId' = ${course.id}`.execute(db)
      ).rows as { data: { institutionId: string; courseId: string; mode: "rebuild" | "refresh" } }[];
    const completionJobs = async () =>
      Number(
        (
          await sql<{ n: string }>`select count(*) as n from pgboss.job where name = 'course-completed'
                                   and data->>'courseId' = ${course.id}`.execute(db)
        ).rows[0]?.n,
      );
    expect((await figures()).map((row) => row.percent)).toEqual([50, 50, 50, 50, 50]);

    // Beyond the inline limit (2 here), the rules commit at once and the job is sent with them.
    const chloe = await (
      await signedInCaller(
        { db: appDb, jobs, inlineRecomputeLearners: 2 },
        "chloe.admin@example.org",
        "northwind-health",
      )
    )();
    const halfIsEnough = { requiredLessons: { minimumShare: 0.5 } } as const;
    const first = await chloe.progress.setCompletionRules({ courseId: course.id, rules: halfIsEnough });
    expect(first.recomputed).toEqual({ learners: 5, inBackground: true });
    // A second change while it waits adds no job: the one waiting reads the course as it is when it runs.
    await chloe.progress.setCompletionRules({ courseId: course.id, rules: halfIsEnough });
    const waiting = await waitingJobs();
    expect(waiting.map((job) => job.data)).toEqual([
      { institutionId: northwind, courseId: course.id, mode: "rebuild" },
    ]);
    expect((await figures()).every((row) => row.percent === 50 && row.completed_at === null)).toBe(true);

    // The course editor says so until the job is done.
    expect((await chloe.courses.structure({ courseId: course.id })).progressRecomputing).toBe(true);

    // The job's work, two learners a page: every learner now meets the rules, each completion recorded once.
    const [fetched] = await jobs.fetch<{ institutionId: string; courseId: string; mode: "rebuild" | "refresh" }>(
      "progress-recompute",
    );
    const job = fetched?.data;
    if (!fetched || !job) throw new Error("no progress-recompute job waits");
    expect(job).toEqual(waiting[0]?.data);
    expect(await recomputeCourseInChunks(appDb, job, { jobs, now: () => new Date() }, 2)).toEqual({
      learners: 5,
      lessonProgressRows: 5,
      courseProgressRows: 5,
    });
    expect((await chloe.courses.structure({ courseId: course.id })).progressRecomputing).toBe(true);
    await jobs.complete("progress-recompute", fetched.id);
    expect((await chloe.courses.structure({ courseId: course.id })).progressRecomputing).toBe(false);
    const after = await figures();
    expect(after.map((row) => [row.percent, row.status])).toEqual(Array(5).fill([100, "completed"]));
    expect(after.every((row) => row.completed_at !== null)).toBe(true);
    expect(await completionJobs()).toBe(5);
    // Run again (a redelivery): the same figures, and no completion twice.
    expect(await recomputeCourseInChunks(appDb, job, { jobs, now: () => new Date() }, 2)).toEqual({
      learners: 5,
      lessonProgressRows: 5,
      courseProgressRows: 5,
    });
    expect((await figures()).map((row) => row.percent)).toEqual([100, 100, 100, 100, 100]);
    expect(await completionJobs()).toBe(5);

    // An administrator's rebuild of the course goes the same way: the job, not one long transaction.
    expect(await chloe.progress.rebuild({ courseId: course.id })).toEqual({ inBackground: true, learners: 5 });
    expect((await waitingJobs()).map((job) => job.data)).toEqual([
      { institutionId: northwind, courseId: course.id, mode: "rebuild" },
    ]);
    const audit = await db
      .selectFrom("audit_events")
      .select("after")
      .where("action", "=", "progress.rebuilt")
      .where("target_id", "=", course.id)
      .executeTakeFirstOrThrow();
    expect(audit.after).toEqual({ inBackground: true, learners: 5 });
    const [rebuildJob] = await jobs.fetch("progress-recompute");
    if (!rebuildJob) throw new Error("the rebuild sent no progress-recompute job");
    await jobs.complete("progress-recompute", rebuildJob.id);

    // Within the limit, the change and its effect commit together, as before.
    const inline = await (
      await signedInCaller(
        { db: appDb, jobs, inlineRecomputeLearners: 5 },
        "chloe.admin@example.org",
        "northwind-health",
      )
    )();
    expect((await inline.progress.setCompletionRules({ courseId: course.id, rules: {} })).recomputed).toEqual({
      inBackground: false,
      learners: 5,
      lessonProgressRows: 5,
      courseProgressRows: 5,
    });
    expect(await inline.progress.rebuild({ courseId: course.id })).toEqual({
      inBackground: false,
      learners: 5,
      lessonProgressRows: 5,
      courseProgressRows: 5,
    });
    expect(await waitingJobs()).toEqual([]);
  });
});
