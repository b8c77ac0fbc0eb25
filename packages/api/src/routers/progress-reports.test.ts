import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { type BuiltCourse, progressFixtures } from "../testing/progress-fixtures.ts";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const DAY = 86_400_000;
const now = Date.now();

type Fixtures = ReturnType<typeof progressFixtures>;
let northwind: Fixtures;
let acme: Fixtures;
let contoso = "";
let fabrikam = "";
let course: BuiltCourse;
let spring = "";
let autumn = "";
let foreignCourse: BuiltCourse;
type Person = { id: string; email: string };
const people = {} as Record<"ines" | "kim" | "ann" | "ben" | "cai" | "dot", Person>;

const as = async (email: string, slug = "northwind-health") =>
  (await signedInCaller({ db: appDb, jobs }, email, slug))();

let keys = 0;
const completedAt = (lessonId: string, daysAgo: number) => ({
  type: "lesson_completed" as const,
  idempotencyKey: `report-${++keys}-${Date.now()}`,
  lessonId,
  occurredAt: new Date(now - daysAgo * DAY).toISOString(),
});

/**
 * One course of four lessons, two cohorts. Spring (taught by Ines) holds Ann (Contoso, half done, active 2
 * days ago), Ben (Fabrikam, nothing since enrolling 30 days ago) and Cai (Contoso, completed); Autumn holds
 * Dot (Fabrikam, one lesson 20 days ago). Spring's "Basics" was due 3 days ago, Ann has an extension.
 */
beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
  const ids = await db.selectFrom("institutions").select(["id", "slug"]).execute();
  const idOf = (slug: string) => ids.find((row) => row.slug === slug)?.id ?? "";
  northwind = progressFixtures(db, idOf("northwind-health"));
  acme = progressFixtures(db, idOf("acme-compliance"));
  const groups = await db.selectFrom("client_groups").select(["id", "name"]).execute();
  contoso = groups.find((group) => group.name === "Contoso Clinics")?.id ?? "";
  fabrikam = groups.find((group) => group.name === "Fabrikam Care Homes")?.id ?? "";

  people.ines = await northwind.person("Ines Instructor", { role: "instructor" });
  people.kim = await northwind.person("Kim Contoso", { role: "client_manager", clientGroupId: contoso });
  people.ann = await northwind.person("Ann Able", { clientGroupId: contoso });
  people.ben = await northwind.person("Ben Bell", { clientGroupId: fabrikam });
  people.cai = await northwind.person("Cai Cole", { clientGroupId: contoso });
  people.dot = await northwind.person("Dot Dunn", { clientGroupId: fabrikam });
  course = await northwind.course("Reported course", [
    {
      key: "basics",
      title: "Basics",
      lessons: [
        { key: "a", title: "A", kind: "reading" },
        { key: "b", title: "B", kind: "reading" },
      ],
    },
    {
      key: "more",
      title: "More",
      lessons: [
        { key: "c", title: "C", kind: "reading" },
        { key: "d", title: "D", kind: "resource" },
      ],
    },
  ]);
  spring = await northwind.cohort(
    course.id,
    "Spring",
    new Date(now - 60 * DAY),
    new Date(now + 60 * DAY),
    people.ines.id,
  );
  autumn = await northwind.cohort(course.id, "Autumn", new Date(now - 40 * DAY), new Date(now + 80 * DAY));
  const basicsDeadline = await northwind.deadline(
    spring,
    course.id,
    { moduleId: course.modules.get("basics") ?? "" },
    new Date(now - 3 * DAY),
  );
  const enrolled = new Date(now - 30 * DAY);
  const annEnrolment = await northwind.enrol(people.ann.id, course.id, { cohortId: spring, createdAt: enrolled });
  await northwind.enrol(people.ben.id, course.id, { cohortId: spring, createdAt: enrolled });
  await northwind.enrol(people.cai.id, course.id, { cohortId: spring, createdAt: enrolled });
  await northwind.enrol(people.dot.id, course.id, { cohortId: autumn, createdAt: enrolled });
  await northwind.extend(annEnrolment, basicsDeadline, new Date(now + 4 * DAY));

  const lesson = (key: string) => course.lessons.get(key) ?? "";
  const ann = await as(people.ann.email);
  await ann.progress.recordMany({ events: [completedAt(lesson("a"), 3), completedAt(lesson("b"), 2)] });
  const cai = await as(people.cai.email);
  await cai.progress.recordMany({
    events: ["a", "b", "c", "d"].map((key, index) => completedAt(lesson(key), 10 - index)),
  });
  const dot = await as(people.dot.email);
  await dot.progress.record(completedAt(lesson("a"), 20));

  // Another institution's learner in a course of its own: never seen from Northwind.
  foreignCourse = await acme.course("Foreign course", [
    { key: "m", title: "M", lessons: [{ key: "x", title: "X", kind: "reading" }] },
  ]);
  const stranger = await acme.person("Zed Stranger");
  await acme.enrol(stranger.id, foreignCourse.id, { createdAt: enrolled });
});

const names = (rows: readonly { learner: { displayName: string } }[]) => rows.map((row) => row.learner.displayName);

describe("progressReports.incompleteLearners", () => {
  it("lists active learners who have not completed, least progress first, with counts", async () => {
    const chloe = await as("chloe.admin@example.org");
    const page = await chloe.progressReports.incompleteLearners({ courseId: course.id });
    expect(names(page.rows)).toEqual(["Ben Bell", "Dot Dunn", "Ann Able"]);
    expect(page.total).toBe(3);
    expect(page.rows.map((row) => [row.percent, row.completedLessons, row.totalLessons])).toEqual([
      [0, 0, 4],
      [25, 1, 4],
      [50, 2, 4],
    ]);
    expect(page.rows[2]).toMatchObject({ cohort: { name: "Spring" }, clientGroup: { name: "Contoso Clinics" } });
  });

  it("pages with a cursor, and filters by cohort and client group", async () => {
    const chloe = await as("chloe.admin@example.org");
    const first = await chloe.progressReports.incompleteLearners({ courseId: course.id, limit: 2 });
    expect(names(first.rows)).toEqual(["Ben Bell", "Dot Dunn"]);
    expect(first.nextCursor).not.toBeNull();
    const second = await chloe.progressReports.incompleteLearners({
      courseId: course.id,
      limit: 2,
      cursor: first.nextCursor ?? "",
    });
    expect(names(second.rows)).toEqual(["Ann Able"]);
    expect(second).toMatchObject({ total: 3, nextCursor: null });

    expect(names((await chloe.progressReports.incompleteLearners({ cohortId: autumn })).rows)).toEqual(["Dot Dunn"]);
    expect(
      names((await chloe.progressReports.incompleteLearners({ courseId: course.id, clientGroupId: fabrikam })).rows),
    ).toEqual(["Ben Bell", "Dot Dunn"]);
    await expect(
      chloe.progressReports.incompleteLearners({ courseId: course.id, cursor: "not-a-cursor" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("cursor") });
  });

  it("shows a client manager their own client group only, and an instructor their own cohorts", async () => {
    const kim = await as(people.kim.email);
    expect(names((await kim.progressReports.incompleteLearners({ courseId: course.id })).rows)).toEqual(["Ann Able"]);
    expect(
      (await kim.progressReports.incompleteLearners({ courseId: course.id, clientGroupId: fabrikam })).rows,
    ).toEqual([]);
    const ines = await as(people.ines.email);
    expect(names((await ines.progressReports.incompleteLearners({ courseId: course.id })).rows)).toEqual([
      "Ben Bell",
      "Ann Able",
    ]);
  });

  it("never shows another institution's learners, and records each page read as a disclosure", async () => {
    const chloe = await as("chloe.admin@example.org");
    const all = await chloe.progressReports.incompleteLearners({ limit: 100 });
    expect(names(all.rows)).not.toContain("Zed Stranger");
    expect(await chloe.progressReports.incompleteLearners({ courseId: foreignCourse.id })).toMatchObject({
      rows: [],
      total: 0,
    });
    const sam = await as("sam.support@example.org");
    await sam.progressReports.incompleteLearners({ courseId: course.id });
    const { rows } = await sql<{ target_id: string; after: { learnerIds: string[] } }>`
      select e.target_id, e.after from audit_events e join users u on u.id = e.actor_user_id
       where e.action = 'progress.report_viewed' and u.email = 'sam.support@example.org'`.execute(db);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.target_id).toBe("incomplete_learners");
    expect(rows[0]?.after.learnerIds.toSorted()).toEqual([people.ann.id, people.ben.id, people.dot.id].toSorted());
  });
});

describe("progressReports.stalledLearners", () => {
  it("lists learners inactive for the chosen number of days, longest first", async () => {
    const chloe = await as("chloe.admin@example.org");
    const fortnight = await chloe.progressReports.stalledLearners({ courseId: course.id });
    expect(names(fortnight.rows)).toEqual(["Ben Bell", "Dot Dunn"]);
    expect(fortnight.rows.map((row) => row.daysInactive)).toEqual([30, 20]);
    expect(fortnight.rows[0]?.lastActivityAt).toBeNull();
    const week = await chloe.progressReports.stalledLearners({ courseId: course.id, inactiveDays: 25 });
    expect(names(week.rows)).toEqual(["Ben Bell"]);
    const day = await chloe.progressReports.stalledLearners({ courseId: course.id, inactiveDays: 1, limit: 1 });
    expect(names(day.rows)).toEqual(["Ben Bell"]);
    expect(day.total).toBe(3);
    const next = await chloe.progressReports.stalledLearners({
      courseId: course.id,
      inactiveDays: 1,
      limit: 1,
      cursor: day.nextCursor ?? "",
    });
    expect(names(next.rows)).toEqual(["Dot Dunn"]);
    const kim = await as(people.kim.email);
    expect((await kim.progressReports.stalledLearners({ courseId: course.id })).rows).toEqual([]);
  });
});

describe("progressReports.overdueDeadlines", () => {
  it("lists deadlines passed with the module incomplete, respecting extensions", async () => {
    const chloe = await as("chloe.admin@example.org");
    const page = await chloe.progressReports.overdueDeadlines({ courseId: course.id });
    // Ann has an extension, Cai completed: only Ben is overdue.
    expect(names(page.rows)).toEqual(["Ben Bell"]);
    expect(page.rows[0]).toMatchObject({
      target: "module",
      title: "Basics",
      cohort: { id: spring },
      extended: false,
      daysOverdue: 3,
    });
    const kim = await as(people.kim.email);
    expect((await kim.progressReports.overdueDeadlines({ courseId: course.id })).total).toBe(0);
  });
});

describe("progressReports.cohortCompletion", () => {
  it("counts enrolled and completed learners and the average progress per cohort", async () => {
    const chloe = await as("chloe.admin@example.org");
    const page = await chloe.progressReports.cohortCompletion({ courseId: course.id });
    expect(
      page.rows.map((row) => [row.cohort.name, row.enrolled, row.completed, row.completedPercent, row.averagePercent]),
    ).toEqual([
      ["Autumn", 1, 0, 0, 25],
      ["Spring", 3, 1, 33, 50],
    ]);
    const first = await chloe.progressReports.cohortCompletion({ courseId: course.id, limit: 1 });
    const second = await chloe.progressReports.cohortCompletion({
      courseId: course.id,
      limit: 1,
      cursor: first.nextCursor ?? "",
    });
    expect([...first.rows, ...second.rows].map((row) => row.cohort.name)).toEqual(["Autumn", "Spring"]);
    expect(second.nextCursor).toBeNull();

    const kim = await as(people.kim.email);
    const contosoOnly = await kim.progressReports.cohortCompletion({ courseId: course.id });
    expect(contosoOnly.rows.map((row) => [row.cohort.name, row.enrolled, row.completed])).toEqual([["Spring", 2, 1]]);
    const ines = await as(people.ines.email);
    expect((await ines.progressReports.cohortCompletion({})).rows.map((row) => row.cohort.name)).toEqual(["Spring"]);
  });

  it("is refused to learners", async () => {
    const ann = await as(people.ann.email);
    await expect(ann.progressReports.cohortCompletion({})).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
