import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { withTenant } from "@learnops/db/tenancy";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const day = 86_400_000;

let northwind = "";
beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
  northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
});

/** A caller signed in as the person, acting at Northwind; `at` moves the procedures' clock. */
const as = async (email: string, at?: Date) =>
  (await signedInCaller({ db: appDb, jobs, ...(at ? { now: () => at } : {}) }, email, "northwind-health"))();

const owner = <T>(work: Parameters<typeof withTenant<T>>[2]) => withTenant(db, { institutionId: northwind }, work);
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

describe("access.check", () => {
  it("opens a paid lesson to Ada and says how, until when", async () => {
    const ada = await as("ada.learner@example.org");
    const decision = await ada.access.check({ lessonId: await lessonId("infection-control", "Standard precautions") });
    expect(decision).toMatchObject({ allowed: true, denial: null });
    expect(decision.reason).toMatch(/^Standard precautions is open to you via a purchase until \d{4}-\d{2}-\d{2}$/);
    expect(decision.trace.find((step) => step.check === "payment")).toMatchObject({ outcome: "passed" });
  });

  it("keeps a lesson shut until its prerequisites are complete, naming them", async () => {
    const ada = await as("ada.learner@example.org");
    // Ada completed Foundations: the quiz (after Standard precautions) opens, the audit (after the quiz) does not.
    expect(
      (await ada.access.check({ lessonId: await lessonId("infection-control", "Standard precautions quiz") })).allowed,
    ).toBe(true);
    expect(await ada.access.check({ lessonId: await lessonId("infection-control", "Audit your ward") })).toMatchObject({
      allowed: false,
      denial: "prerequisites_incomplete",
      reason: "Complete Standard precautions quiz first",
    });
  });

  it("denies an unpaid enrolment with the day the payment has been pending since", async () => {
    const morgan = await as("morgan.lee@example.org");
    const decision = await morgan.access.check({
      lessonId: await lessonId("infection-control", "Why infection control matters"),
    });
    expect(decision).toMatchObject({ allowed: false, denial: "payment_pending" });
    expect(decision.reason).toMatch(/^Payment pending since \d{4}-\d{2}-\d{2}$/);
  });

  it("denies refunded and suspended enrolments, with the staff's reason for a suspension", async () => {
    const lesson = await lessonId("infection-control", "Why infection control matters");
    expect((await (await as("ravi.learner@example.org")).access.check({ lessonId: lesson })).denial).toBe(
      "payment_refunded",
    );
    expect(await (await as("nina.learner@example.org")).access.check({ lessonId: lesson })).toMatchObject({
      denial: "enrolment_suspended",
      reason: "Your enrolment is suspended: Placement paused while her employer confirms funding",
    });
  });

  it("lets an expired learner in while an override lasts, and not a moment after", async () => {
    const lesson = await lessonId("dementia-care", "What dementia is, and is not");
    const leoNow = await as("leo.learner@example.org");
    const allowed = await leoNow.access.check({ lessonId: lesson });
    expect(allowed.allowed).toBe(true);
    expect(allowed.reason).toContain("an administrator's override (Renewal paid by phone; invoice on its way)");
    const leoNextWeek = await as("leo.learner@example.org", new Date(Date.now() + 8 * day));
    expect(await leoNextWeek.access.check({ lessonId: lesson })).toMatchObject({
      allowed: false,
      denial: "enrolment_expired",
    });
  });

  it("ends corporate access when the learner leaves the contract's client group", async () => {
    const lesson = await lessonId("dementia-care", "Communicating with care");
    expect((await (await as("ada.learner@example.org")).access.check({ lessonId: lesson })).reason).toContain(
      "corporate contract Contoso Clinics 2026–27",
    );
    const fabrikam = await owner(
      async (trx) =>
        (
          await trx
            .selectFrom("client_groups")
            .select("id")
            .where("name", "=", "Fabrikam Care Homes")
            .executeTakeFirstOrThrow()
        ).id,
    );
    const ada = await userId("ada.learner@example.org");
    await owner((trx) =>
      trx.updateTable("memberships").set({ client_group_id: fabrikam }).where("user_id", "=", ada).execute(),
    );
    try {
      expect(await (await as("ada.learner@example.org")).access.check({ lessonId: lesson })).toMatchObject({
        allowed: false,
        denial: "outside_client_group",
      });
    } finally {
      const contoso = await owner(
        async (trx) =>
          (
            await trx
              .selectFrom("client_groups")
              .select("id")
              .where("name", "=", "Contoso Clinics")
              .executeTakeFirstOrThrow()
          ).id,
      );
      await owner((trx) =>
        trx.updateTable("memberships").set({ client_group_id: contoso }).where("user_id", "=", ada).execute(),
      );
    }
  });

  it("denies someone not enrolled, and answers NOT_FOUND for a lesson that does not exist", async () => {
    const kim = await as("kim.manager@example.org");
    expect(
      (await kim.access.check({ lessonId: await lessonId("dementia-care", "Communicating with care") })).denial,
    ).toBe("not_enrolled");
    await expect(kim.access.check({ lessonId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(kim.access.check({ lessonId: "not-a-uuid" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("tenant_access_facts, the hot path's one statement", () => {
  it("scopes itself to the institution it is given and leaves nothing set on the connection", async () => {
    const lesson = await lessonId("infection-control", "Standard precautions");
    const ada = await userId("ada.learner@example.org");
    const acme = (
      await db.selectFrom("institutions").select("id").where("slug", "=", "acme-compliance").executeTakeFirstOrThrow()
    ).id;
    const { rows } = await sql<{ northwind: unknown; acme: unknown; after: string | null; lessons: string }>`
      select tenant_access_facts(${northwind}::uuid, ${ada}::uuid, ${lesson}::uuid, null, now()) is not null as northwind,
             tenant_access_facts(${acme}::uuid, ${ada}::uuid, ${lesson}::uuid, null, now()) as acme,
             current_setting('app.institution_id', true) as after,
             (select count(*) from lessons)::text as lessons`.execute(appDb);
    // Northwind's lesson is found under Northwind only; afterwards no tenant is set, so no lesson is visible.
    expect(rows[0]).toEqual({ northwind: true, acme: null, after: "", lessons: "0" });
  });
});

describe("courses.outline", () => {
  it("gives every lesson its decision, and content addresses only for lessons that open", async () => {
    const ada = await as("ada.learner@example.org");
    const outline = await ada.courses.outline({ courseId: await courseId("infection-control") });
    const lessons = outline.modules.flatMap((module) => module.lessons);
    const audit = lessons.find((lesson) => lesson.title === "Audit your ward");
    expect(audit).toMatchObject({ content: null, access: { allowed: false, denial: "prerequisites_incomplete" } });
    const video = lessons.find((lesson) => lesson.title === "Why infection control matters");
    expect(video?.content?.url).toBe("https://content.example.org/infection-control/foundations/why");
    expect(outline.completedLessonIds).toHaveLength(3);
  });

  it("hides draft courses from learners, and shows them to course admins", async () => {
    const draft = await courseId("safeguarding-adults");
    await expect((await as("ada.learner@example.org")).courses.outline({ courseId: draft })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const outline = await (await as("chloe.admin@example.org")).courses.outline({ courseId: draft });
    expect(outline.modules[0]?.lessons[0]?.access).toMatchObject({ allowed: false, denial: "course_unavailable" });
  });
});

describe("access.inspect", () => {
  it("shows support the learner's trace and records the disclosure", async () => {
    const sam = await as("sam.support@example.org");
    const morgan = await userId("morgan.lee@example.org");
    const { learner, decision } = await sam.access.inspect({
      userId: morgan,
      courseId: await courseId("infection-control"),
    });
    expect(learner.email).toBe("morgan.lee@example.org");
    expect(decision.denial).toBe("payment_pending");
    expect(decision.trace.map((step) => step.check)).toEqual(["course", "override", "enrolment", "payment"]);
    const { rows } = await sql<{ action: string; target_id: string }>`
      select action, target_id from audit_events where action = 'access.inspected' order by id desc limit 1`.execute(
      db,
    );
    expect(rows[0]).toEqual({ action: "access.inspected", target_id: morgan });
  });
});

describe("access overrides", () => {
  it("a deny withholds a course from an enrolled learner until it is revoked", async () => {
    const chloe = await as("chloe.admin@example.org");
    const ada = await userId("ada.learner@example.org");
    const lesson = await lessonId("medication-safety", "Reading a prescription chart");
    const { id } = await chloe.access.createOverride({
      userId: ada,
      courseId: await courseId("medication-safety"),
      effect: "deny",
      reason: "Academic misconduct investigation (case 2291)",
      expiresAt: new Date(Date.now() + 3 * day).toISOString(),
    });
    expect((await (await as("ada.learner@example.org")).access.check({ lessonId: lesson })).denial).toBe(
      "denied_by_override",
    );
    const listed = await chloe.access.listOverrides({ userId: ada });
    expect(listed.find((override) => override.id === id)).toMatchObject({ effect: "deny", inForce: true });

    await chloe.access.revokeOverride({ overrideId: id });
    expect((await (await as("ada.learner@example.org")).access.check({ lessonId: lesson })).allowed).toBe(true);
    await expect(chloe.access.revokeOverride({ overrideId: id })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("refuses an override that has already ended, or with no reason worth the name", async () => {
    const chloe = await as("chloe.admin@example.org");
    const input = {
      userId: await userId("ada.learner@example.org"),
      courseId: await courseId("medication-safety"),
      effect: "allow" as const,
      reason: "Placement starts early this year",
      expiresAt: new Date(Date.now() - day).toISOString(),
    };
    await expect(chloe.access.createOverride(input)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("expiresAt"),
    });
    await expect(
      chloe.access.createOverride({ ...input, reason: "because", expiresAt: new Date(Date.now() + day).toISOString() }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("reason") });
  });
});
