import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const content = { url: "https://videos.example.org/v/123", provider: "Vimeo", externalId: "123" };

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
});

const as = async (email: string) => (await signedInCaller({ db: appDb, jobs }, email, "northwind-health"))();

let codes = 0;
async function newCourse(chloe: Awaited<ReturnType<typeof as>>) {
  const { id } = await chloe.courses.create({ code: `course-${++codes}`, title: `Course ${codes}` });
  const first = await chloe.courses.addModule({ courseId: id, title: "First steps" });
  const second = await chloe.courses.addModule({ courseId: id, title: "Going further" });
  const intro = await chloe.courses.addLesson({ moduleId: first.id, title: "Introduction", kind: "video", content });
  const reading = await chloe.courses.addLesson({ moduleId: first.id, title: "Reading", kind: "reading", content });
  const quiz = await chloe.courses.addLesson({ moduleId: second.id, title: "Quiz", kind: "quiz", content });
  return { id, first: first.id, second: second.id, intro: intro.id, reading: reading.id, quiz: quiz.id };
}

describe("building a course", () => {
  it("adds modules and lessons in order, and shows them in the structure", async () => {
    const chloe = await as("chloe.admin@example.org");
    const course = await newCourse(chloe);
    const structure = await chloe.courses.structure({ courseId: course.id });
    expect(structure).toMatchObject({ status: "draft", moduleCount: 2, lessonCount: 3 });
    expect(structure.modules.map((module) => [module.title, module.lessons.map((lesson) => lesson.title)])).toEqual([
      ["First steps", ["Introduction", "Reading"]],
      ["Going further", ["Quiz"]],
    ]);
    expect(structure.modules[0]?.lessons[0]?.content).toEqual(content);
    const { rows } = await sql<{ action: string }>`
      select action from audit_events where target_id = ${course.id} order by id`.execute(db);
    expect(rows.map((row) => row.action)).toEqual(["course.created"]);
  });

  it("refuses a taken code, a content address that is not https, and publishing an empty course", async () => {
    const chloe = await as("chloe.admin@example.org");
    await expect(chloe.courses.create({ code: "infection-control", title: "Again" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'A course with the code "infection-control" exists already',
    });
    await expect(chloe.courses.create({ code: "Not A Code", title: "X" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("code"),
    });
    const empty = await chloe.courses.create({ code: `empty-${++codes}`, title: "Empty" });
    await expect(chloe.courses.update({ courseId: empty.id, status: "published" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "status: add at least one lesson before publishing the course",
    });
    const { first } = await newCourse(chloe);
    await expect(
      chloe.courses.addLesson({
        moduleId: first,
        title: "Insecure",
        kind: "video",
        content: { url: "http://videos.example.org/1", provider: "Vimeo", externalId: null },
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("Enter the content's https:// address"),
    });
  });

  it("sets, shows, clears and keeps unique a lesson's xAPI activity id", async () => {
    const chloe = await as("chloe.admin@example.org");
    const course = await newCourse(chloe);
    const activityId = `https://tool.example.org/activities/${course.id}`;
    const added = await chloe.courses.addLesson({
      moduleId: course.first,
      title: "Simulation",
      kind: "reading",
      content,
      xapiActivityId: activityId,
    });
    const lessonIn = async () =>
      (await chloe.courses.structure({ courseId: course.id })).modules[0]?.lessons.find(
        (lesson) => lesson.id === added.id,
      );
    expect(await lessonIn()).toMatchObject({ xapiActivityId: activityId });
    await expect(
      chloe.courses.updateLesson({ lessonId: course.intro, xapiActivityId: activityId }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: `Another lesson already uses the xAPI activity id ${activityId}; each lesson needs its own`,
    });
    await expect(
      chloe.courses.updateLesson({ lessonId: course.intro, xapiActivityId: "not an iri" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("xapiActivityId") });
    await chloe.courses.updateLesson({ lessonId: added.id, xapiActivityId: null });
    expect(await lessonIn()).toMatchObject({ xapiActivityId: null });
    await chloe.courses.updateLesson({ lessonId: course.intro, xapiActivityId: activityId });
  });

  it("sets prerequisites within the course and refuses a cycle or a lesson of another course", async () => {
    const chloe = await as("chloe.admin@example.org");
    const course = await newCourse(chloe);
    await chloe.courses.setPrerequisites({ of: "lesson", id: course.reading, requiredIds: [course.intro] });
    await chloe.courses.setPrerequisites({ of: "module", id: course.second, requiredIds: [course.first] });
    const structure = await chloe.courses.structure({ courseId: course.id });
    expect(structure.modules[0]?.lessons[1]?.prerequisiteLessonIds).toEqual([course.intro]);
    expect(structure.modules[1]?.prerequisiteModuleIds).toEqual([course.first]);

    await expect(
      chloe.courses.setPrerequisites({ of: "lesson", id: course.intro, requiredIds: [course.reading] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("cycle") });
    await expect(
      chloe.courses.setPrerequisites({ of: "lesson", id: course.intro, requiredIds: [course.intro] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "requiredIds: a lesson cannot be its own prerequisite" });
    const other = await newCourse(chloe);
    await expect(
      chloe.courses.setPrerequisites({ of: "lesson", id: course.quiz, requiredIds: [other.intro] }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: `requiredIds: not lessons of this course: ${other.intro}`,
    });
  });

  it("publishes, so learners find it in the catalogue, and archives it out again", async () => {
    const chloe = await as("chloe.admin@example.org");
    const course = await newCourse(chloe);
    const ada = await as("ada.learner@example.org");
    const listed = async () => (await ada.courses.catalogue({})).some((entry) => entry.id === course.id);
    expect(await listed()).toBe(false);
    await chloe.courses.update({ courseId: course.id, status: "published", price: { cents: 4900, currency: "gbp" } });
    expect(await listed()).toBe(true);
    expect((await ada.courses.catalogue({ search: `course ${codes}` })).map((entry) => entry.price)).toEqual([
      { cents: 4900, currency: "GBP" },
    ]);
    await chloe.courses.update({ courseId: course.id, status: "archived" });
    expect(await listed()).toBe(false);
  });

  it("removes lessons and modules nobody has progress in, and refuses the others", async () => {
    const chloe = await as("chloe.admin@example.org");
    const course = await newCourse(chloe);
    await chloe.courses.removeLesson({ lessonId: course.reading });
    await chloe.courses.removeModule({ moduleId: course.second });
    const structure = await chloe.courses.structure({ courseId: course.id });
    expect(structure.modules.map((module) => module.lessons.map((lesson) => lesson.title))).toEqual([["Introduction"]]);

    const infection = await chloe.courses.list({ search: "infection" });
    const foundations = (await chloe.courses.structure({ courseId: infection[0]?.id ?? "" })).modules[0];
    // Ada completed Foundations in the demo.
    await expect(chloe.courses.removeModule({ moduleId: foundations?.id ?? "" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("is refused to people who do not build courses", async () => {
    await expect(
      (await as("sam.support@example.org")).courses.create({ code: "x-course", title: "X" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: 'Your role (support_agent) does not have the "courses.manage" permission',
    });
  });
});

describe("cohorts", () => {
  it("creates a cohort with instructors, sets a deadline inside it and gives one learner an extension", async () => {
    const chloe = await as("chloe.admin@example.org");
    const course = await newCourse(chloe);
    const ivan = (
      await db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "ivan.instructor@example.org")
        .executeTakeFirstOrThrow()
    ).id;
    const { id } = await chloe.cohorts.create({
      courseId: course.id,
      name: "Spring",
      startsAt: "2027-03-01T09:00:00Z",
      endsAt: "2027-06-01T17:00:00Z",
      capacity: 20,
      instructorIds: [ivan],
    });
    await chloe.cohorts.setDeadline({ cohortId: id, moduleId: course.first, dueAt: "2027-04-01T17:00:00Z" });
    await expect(
      chloe.cohorts.setDeadline({ cohortId: id, lessonId: course.quiz, dueAt: "2027-07-01T17:00:00Z" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("between the cohort's start and end"),
    });

    const [cohort] = await chloe.cohorts.list({ courseId: course.id });
    expect(cohort).toMatchObject({
      name: "Spring",
      capacity: 20,
      enrolled: 0,
      instructors: [{ displayName: "Ivan Petrov" }],
      deadlines: [{ title: "First steps", dueAt: "2027-04-01T17:00:00.000Z" }],
    });

    await chloe.courses.update({ courseId: course.id, status: "published" });
    const learner = (
      await db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "omar.learner@example.org")
        .executeTakeFirstOrThrow()
    ).id;
    const enrolment = await chloe.enrolments.grant({
      userId: learner,
      courseId: course.id,
      cohortId: id,
      reason: "Funded by the spring programme",
    });
    const deadlineId = cohort?.deadlines[0]?.id ?? "";
    await expect(
      chloe.cohorts.extendDeadline({
        enrolmentId: enrolment.id,
        deadlineId,
        dueAt: "2027-03-15T17:00:00Z",
        reason: "Illness, with a note",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "dueAt: an extension ends after the cohort's deadline" });
    expect(
      await chloe.cohorts.extendDeadline({
        enrolmentId: enrolment.id,
        deadlineId,
        dueAt: "2027-04-15T17:00:00Z",
        reason: "Illness, with a note",
      }),
    ).toEqual({ dueAt: "2027-04-15T17:00:00.000Z" });
    expect((await chloe.cohorts.list({ courseId: course.id }))[0]?.enrolled).toBe(1);
  });

  it("refuses a cohort that ends before it starts, a taken name, and instructors who do not teach here", async () => {
    const chloe = await as("chloe.admin@example.org");
    const course = await newCourse(chloe);
    const base = {
      courseId: course.id,
      name: "Autumn",
      startsAt: "2027-09-01T09:00:00Z",
      endsAt: "2027-12-01T17:00:00Z",
    };
    await expect(chloe.cohorts.create({ ...base, endsAt: "2027-08-01T00:00:00Z" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("A cohort must end after it starts"),
    });
    await chloe.cohorts.create(base);
    await expect(chloe.cohorts.create(base)).rejects.toMatchObject({ code: "CONFLICT" });
    const ada = (
      await db.selectFrom("users").select("id").where("email", "=", "ada.learner@example.org").executeTakeFirstOrThrow()
    ).id;
    await expect(chloe.cohorts.create({ ...base, name: "Winter", instructorIds: [ada] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("instructorIds"),
    });
  });

  it("edits a cohort as a whole, and refuses what would strand its learners or deadlines, changing nothing", async () => {
    const chloe = await as("chloe.admin@example.org");
    const course = await newCourse(chloe);
    await chloe.courses.update({ courseId: course.id, status: "published" });
    const idOf = async (email: string) =>
      (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
    const [ivan, omar, leo] = await Promise.all([
      idOf("ivan.instructor@example.org"),
      idOf("omar.learner@example.org"),
      idOf("leo.learner@example.org"),
    ]);
    const spring = {
      name: "Spring",
      startsAt: "2027-03-01T09:00:00Z",
      endsAt: "2027-06-01T17:00:00Z",
      capacity: 5,
      instructorIds: [ivan],
    };
    const { id } = await chloe.cohorts.create({ courseId: course.id, ...spring });
    await chloe.cohorts.create({ courseId: course.id, ...spring, name: "Summer" });
    await chloe.cohorts.setDeadline({ cohortId: id, moduleId: course.first, dueAt: "2027-04-01T17:00:00Z" });
    for (const userId of [omar, leo]) {
      await chloe.enrolments.grant({
        userId,
        courseId: course.id,
        cohortId: id,
        reason: "Funded by the spring programme",
      });
    }
    const before = (await chloe.cohorts.list({ courseId: course.id })).find((cohort) => cohort.id === id);

    const refusals: [Partial<typeof spring> & { clientGroupId?: string }, { code: string; message: string }][] = [
      [{ capacity: 1 }, { code: "BAD_REQUEST", message: "capacity: 2 places are taken; the cohort cannot have fewer" }],
      [
        { endsAt: "2027-03-15T17:00:00Z" },
        {
          code: "BAD_REQUEST",
          message: "endsAt: the deadline for First steps (2027-04-01) would fall outside the cohort; move it first",
        },
      ],
      [
        { startsAt: "2027-04-15T09:00:00Z" },
        { code: "BAD_REQUEST", message: expect.stringMatching(/^startsAt: the deadline for First steps/) },
      ],
      [{ name: "Summer" }, { code: "CONFLICT", message: 'The course has a cohort named "Summer" already' }],
      [
        { endsAt: "2027-02-01T17:00:00Z" },
        { code: "BAD_REQUEST", message: expect.stringContaining("A cohort must end after it starts") },
      ],
      [{ instructorIds: [omar] }, { code: "BAD_REQUEST", message: expect.stringContaining("instructorIds") }],
    ];
    for (const [change, refusal] of refusals) {
      await expect(chloe.cohorts.update({ cohortId: id, ...spring, ...change })).rejects.toMatchObject(refusal);
    }
    const contoso = await db
      .selectFrom("client_groups")
      .select("id")
      .where("name", "=", "Contoso Clinics")
      .executeTakeFirstOrThrow();
    await expect(chloe.cohorts.update({ cohortId: id, ...spring, clientGroupId: contoso.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "clientGroupId: learners hold places in this cohort, so its client group stays",
    });
    expect((await chloe.cohorts.list({ courseId: course.id })).find((cohort) => cohort.id === id)).toEqual(before);

    // Renamed, a week longer, enrolment closing, two places left, and no instructor: all at once.
    await chloe.cohorts.update({
      cohortId: id,
      ...spring,
      name: "Spring (extended)",
      endsAt: "2027-06-08T17:00:00Z",
      enrolmentClosesAt: "2027-03-15T23:59:00Z",
      capacity: 2,
      instructorIds: [],
    });
    expect((await chloe.cohorts.list({ courseId: course.id })).find((cohort) => cohort.id === id)).toMatchObject({
      name: "Spring (extended)",
      startsAt: "2027-03-01T09:00:00.000Z",
      endsAt: "2027-06-08T17:00:00.000Z",
      enrolmentClosesAt: "2027-03-15T23:59:00.000Z",
      capacity: 2,
      enrolled: 2,
      instructors: [],
      deadlines: [{ title: "First steps" }],
    });
    const { rows } = await sql<{ before: { name: string; instructorIds: string[] }; after: { name: string } }>`
      select before, after from audit_events where target_id = ${id} and action = 'cohort.updated'`.execute(db);
    expect(rows).toEqual([
      {
        before: expect.objectContaining({ name: "Spring", capacity: 5, instructorIds: [ivan] }),
        after: expect.objectContaining({ name: "Spring (extended)", capacity: 2, instructorIds: [] }),
      },
    ]);

    await expect(
      (await as("ivan.instructor@example.org")).cohorts.update({ cohortId: id, ...spring }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
