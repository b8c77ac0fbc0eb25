import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import type { KyselyPlugin } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { progressFixtures } from "../testing/progress-fixtures.ts";
import { signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const DAY = 86_400_000;

let fixtures: ReturnType<typeof progressFixtures>;
let acme: ReturnType<typeof progressFixtures>;
beforeAll(async () => {
  await loadDemoData(db);
  const institutions = await db.selectFrom("institutions").select(["id", "slug"]).execute();
  const idOf = (slug: string) => institutions.find((row) => row.slug === slug)?.id ?? "";
  fixtures = progressFixtures(db, idOf("northwind-health"));
  acme = progressFixtures(db, idOf("acme-compliance"));
});

/** Counts the statements the procedures send: every query, raw or built, passes through a plugin. */
let statements = 0;
const counting: KyselyPlugin = {
  transformQuery: (args) => {
    statements++;
    return args.node;
  },
  transformResult: async (args) => args.result,
};
const countedDb = appDb.withPlugin(counting);

const as = async (email: string) => (await signedInCaller({ db: countedDb, jobs }, email, "northwind-health"))();

let keys = 0;
const completed = (lessonId: string) => ({
  type: "lesson_completed" as const,
  idempotencyKey: `dashboard-${++keys}-${Date.now()}`,
  lessonId,
  occurredAt: new Date().toISOString(),
});

/** Two modules: "Two" waits on "Three", a later lesson; "Task" is an assignment to pass. */
const twoModules = [
  {
    key: "basics",
    title: "Basics",
    lessons: [
      { key: "one", title: "One", kind: "reading" as const },
      { key: "two", title: "Two", kind: "reading" as const, requires: ["three"] },
    ],
  },
  {
    key: "more",
    title: "More",
    lessons: [
      { key: "three", title: "Three", kind: "reading" as const },
      { key: "task", title: "Task", kind: "assignment" as const },
    ],
  },
];

describe("dashboard.summary", () => {
  it("gives each course its progress and the next lesson that opens, skipping completed and locked ones", async () => {
    const learner = await fixtures.person("Dana Summary");
    const course = await fixtures.course("Summary course", twoModules);
    await fixtures.enrol(learner.id, course.id);
    const dana = await as(learner.email);

    const before = await dana.dashboard.summary();
    expect(before.courses).toHaveLength(1);
    expect(before.courses[0]).toMatchObject({
      course: { id: course.id, title: "Summary course" },
      status: "active",
      access: { allowed: true },
      progress: { percent: 0, completedLessons: 0, totalLessons: 4, completedAt: null },
      nextLesson: { id: course.lessons.get("one"), title: "One", kind: "reading", access: { allowed: true } },
      pendingAssignments: [{ lessonId: course.lessons.get("task"), title: "Task", dueAt: null }],
      deadlines: [],
      certificateEligibility: "not_eligible",
    });

    expect(await dana.progress.record(completed(course.lessons.get("one") ?? ""))).toMatchObject({
      status: "accepted",
    });
    const after = (await dana.dashboard.summary()).courses[0];
    // "Two" waits on "Three": the next lesson that opens is "Three".
    expect(after?.progress).toMatchObject({ percent: 25, completedLessons: 1, totalLessons: 4 });
    expect(after?.nextLesson).toMatchObject({ id: course.lessons.get("three"), title: "Three" });
  });

  it("lists deadlines coming within the window and overdue ones, with the learner's extensions", async () => {
    const learner = await fixtures.person("Eli Deadlines");
    const course = await fixtures.course("Deadline course", twoModules);
    const now = Date.now();
    const cohort = await fixtures.cohort(course.id, "Spring", new Date(now - 30 * DAY), new Date(now + 90 * DAY));
    const enrolment = await fixtures.enrol(learner.id, course.id, { cohortId: cohort });
    const basics = course.modules.get("basics") ?? "";
    const more = course.modules.get("more") ?? "";
    const task = course.lessons.get("task") ?? "";
    await fixtures.deadline(cohort, course.id, { moduleId: basics }, new Date(now - DAY));
    await fixtures.deadline(cohort, course.id, { moduleId: more }, new Date(now + 30 * DAY));
    const taskDeadline = await fixtures.deadline(cohort, course.id, { lessonId: task }, new Date(now - 2 * DAY));
    await fixtures.extend(enrolment, taskDeadline, new Date(now + 5 * DAY));
    const eli = await as(learner.email);

    const summary = await eli.dashboard.summary({ deadlineDays: 14 });
    const deadlines = summary.courses[0]?.deadlines ?? [];
    expect(deadlines.map((d) => [d.title, d.target, d.overdue, d.extended])).toEqual([
      ["Basics", "module", true, false],
      ["Task", "lesson", false, true],
    ]);
    expect(new Date(deadlines[1]?.dueAt ?? "").getTime()).toBeCloseTo(now + 5 * DAY, -4);
    expect(new Date(deadlines[1]?.cohortDueAt ?? "").getTime()).toBeCloseTo(now - 2 * DAY, -4);
    expect(summary.courses[0]?.pendingAssignments).toEqual([
      { lessonId: task, title: "Task", dueAt: deadlines[1]?.dueAt },
    ]);

    // A wider window brings the module due in 30 days; a met deadline goes away.
    const wide = await eli.dashboard.summary({ deadlineDays: 60 });
    expect(wide.courses[0]?.deadlines.map((d) => d.title)).toEqual(["Basics", "Task", "More"]);
    await eli.progress.record(completed(course.lessons.get("one") ?? ""));
    await eli.progress.record(completed(course.lessons.get("three") ?? ""));
    await eli.progress.record(completed(course.lessons.get("two") ?? ""));
    const met = await eli.dashboard.summary({ deadlineDays: 14 });
    expect(met.courses[0]?.deadlines.map((d) => d.title)).toEqual(["Task"]);
  });

  it("sends as many statements for five courses as for one", async () => {
    const one = await fixtures.person("Fay One");
    const five = await fixtures.person("Gus Five");
    const courses = await Promise.all([1, 2, 3, 4, 5].map((n) => fixtures.course(`Counted course ${n}`, twoModules)));
    const now = Date.now();
    for (const [index, course] of courses.entries()) {
      const cohort = await fixtures.cohort(course.id, "Counted", new Date(now - DAY), new Date(now + 60 * DAY));
      await fixtures.deadline(cohort, course.id, { moduleId: course.modules.get("basics") ?? "" }, new Date(now + DAY));
      if (index === 0) await fixtures.enrol(one.id, course.id, { cohortId: cohort });
      await fixtures.enrol(five.id, course.id, { cohortId: cohort });
    }
    const fay = await as(one.email);
    const gus = await as(five.email);

    statements = 0;
    const single = await fay.dashboard.summary();
    const forOne = statements;
    statements = 0;
    const many = await gus.dashboard.summary();
    const forFive = statements;

    expect(single.courses).toHaveLength(1);
    expect(many.courses).toHaveLength(5);
    expect(many.courses.every((course) => course.deadlines.length === 1 && course.nextLesson !== null)).toBe(true);
    expect(forFive).toBe(forOne);
    // The tenant scope, the enrolments, the access facts, two for the outlines, lesson states, deadlines.
    expect(forOne).toBeGreaterThanOrEqual(6);
    expect(forOne).toBeLessThanOrEqual(8);
  });

  it("shows nothing of another institution, and nothing to someone enrolled nowhere", async () => {
    const learner = await fixtures.person("Hal Nowhere");
    const hal = await as(learner.email);
    expect((await hal.dashboard.summary()).courses).toEqual([]);
    // Enrolled in a course of ACME: acting at Northwind, Hal's home does not show it.
    const foreign = await acme.course("Foreign course", twoModules);
    await acme.enrol(learner.id, foreign.id);
    expect((await hal.dashboard.summary()).courses).toEqual([]);
    await expect(hal.dashboard.lesson({ lessonId: foreign.lessons.get("one") ?? "" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("dashboard.lesson", () => {
  it("gives the best quiz score and the number of attempts", async () => {
    const learner = await fixtures.person("Ivy Quiz");
    const course = await fixtures.course("Quiz course", [
      { key: "m", title: "Only", lessons: [{ key: "quiz", title: "Quiz", kind: "quiz" }] },
    ]);
    await fixtures.enrol(learner.id, course.id);
    const ivy = await as(learner.email);
    const lessonId = course.lessons.get("quiz") ?? "";
    expect(await ivy.dashboard.lesson({ lessonId })).toMatchObject({ quizAttempts: 0, bestScorePercent: null });
    for (const score of [4, 9, 7]) {
      await ivy.progress.record({
        type: "quiz_attempted",
        idempotencyKey: `quiz-${++keys}-${Date.now()}`,
        lessonId,
        occurredAt: new Date().toISOString(),
        score,
        maxScore: 10,
        passed: score >= 8,
      });
    }
    const progress = await ivy.dashboard.lesson({ lessonId });
    expect(progress).toMatchObject({ quizAttempts: 3, bestScorePercent: 90 });
    expect(progress.completedAt).not.toBeNull();
    await expect(ivy.dashboard.lesson({ lessonId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
