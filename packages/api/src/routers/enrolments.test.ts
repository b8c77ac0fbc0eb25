import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { withTenant } from "@learnops/db/tenancy";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const day = 86_400_000;
const reason = "Requested by the learner's manager (ticket 4410)";

let northwind = "";
beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
  northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
});

const as = async (email: string) => (await signedInCaller({ db: appDb, jobs }, email, "northwind-health"))();

const owner = <T>(work: Parameters<typeof withTenant<T>>[2]) => withTenant(db, { institutionId: northwind }, work);
const courseId = (code: string) =>
  owner(
    async (trx) => (await trx.selectFrom("courses").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id,
  );
const cohortId = (name: string) =>
  owner(
    async (trx) => (await trx.selectFrom("cohorts").select("id").where("name", "=", name).executeTakeFirstOrThrow()).id,
  );
const userId = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
const lastEvent = async (action: string) =>
  (
    await sql<{ target_id: string; before: unknown; after: { reason?: string } }>`
      select target_id, before, after from audit_events where action = ${action} order by id desc limit 1`.execute(db)
  ).rows[0];

/** A new learner at Northwind, so each test enrols someone no other test touches. */
let learners = 0;
async function newLearner(): Promise<string> {
  const user = await db
    .insertInto("users")
    .values({ email: `enrolee.${++learners}@example.org`, display_name: `Enrolee ${learners}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  await owner((trx) =>
    trx.insertInto("memberships").values({ institution_id: northwind, user_id: user.id, role: "learner" }).execute(),
  );
  return user.id;
}

describe("enrolments.grant", () => {
  it("enrols a learner with the course's access days, audited with the reason", async () => {
    const chloe = await as("chloe.admin@example.org");
    const learner = await newLearner();
    const enrolment = await chloe.enrolments.grant({
      userId: learner,
      courseId: await courseId("infection-control"),
      reason,
    });
    expect(enrolment).toMatchObject({ status: "active", source: "manual_grant", statusReason: reason });
    const expires = Date.parse(enrolment.expiresAt ?? "");
    expect(Math.abs(expires - (Date.now() + 365 * day))).toBeLessThan(60_000);
    expect(await lastEvent("enrolment.created")).toMatchObject({ target_id: enrolment.id, after: { reason } });
  });

  it("refuses a second live enrolment in the same course, even when two grants race", async () => {
    const chloe = await as("chloe.admin@example.org");
    const learner = await newLearner();
    const course = await courseId("dementia-care");
    const outcomes = await Promise.allSettled([
      chloe.enrolments.grant({ userId: learner, courseId: course, reason }),
      (await as("chloe.admin@example.org")).enrolments.grant({ userId: learner, courseId: course, reason }),
    ]);
    expect(outcomes.map((outcome) => outcome.status).toSorted()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((outcome) => outcome.status === "rejected");
    expect(refused?.status === "rejected" && refused.reason).toMatchObject({
      code: "CONFLICT",
      message: "This learner is already enrolled in Dementia Care Essentials (active)",
    });
    const rows = await owner((trx) =>
      trx.selectFrom("enrolments").select("id").where("user_id", "=", learner).execute(),
    );
    expect(rows).toHaveLength(1);
  });

  it("refuses archived courses, other courses' cohorts, full cohorts and people who are not learners here", async () => {
    const chloe = await as("chloe.admin@example.org");
    const learner = await newLearner();
    await expect(
      chloe.enrolments.grant({ userId: learner, courseId: await courseId("manual-handling-2019"), reason }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("archived") });
    await expect(
      chloe.enrolments.grant({
        userId: learner,
        courseId: await courseId("infection-control"),
        cohortId: await cohortId("Autumn cohort"),
        reason,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("cohortId") });
    await expect(
      chloe.enrolments.grant({
        userId: await userId("ivan.instructor@example.org"),
        courseId: await courseId("dementia-care"),
        reason,
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "Learner was not found" });

    const winter = await cohortId("Winter cohort");
    await owner((trx) => trx.updateTable("cohorts").set({ capacity: 1 }).where("id", "=", winter).execute());
    try {
      // Morgan holds the Winter cohort's one place.
      await expect(
        chloe.enrolments.grant({
          userId: learner,
          courseId: await courseId("medication-safety"),
          cohortId: winter,
          reason,
        }),
      ).rejects.toMatchObject({ code: "CONFLICT", message: "Winter cohort is full (1 places)" });
    } finally {
      await owner((trx) => trx.updateTable("cohorts").set({ capacity: 30 }).where("id", "=", winter).execute());
    }
  });
});

describe("changing an enrolment", () => {
  it("extends an expired enrolment, making it active again, and refuses an earlier date", async () => {
    const chloe = await as("chloe.admin@example.org");
    const leo = await userId("leo.learner@example.org");
    const [expired] = (await chloe.enrolments.list({ userId: leo })).enrolments;
    expect(expired?.status).toBe("expired");
    const expiresAt = new Date(Date.now() + 30 * day).toISOString();
    const extended = await chloe.enrolments.extend({ enrolmentId: expired?.id ?? "", expiresAt, reason });
    expect(extended).toMatchObject({ status: "active", expiresAt: new Date(expiresAt).toISOString() });
    await expect(
      chloe.enrolments.extend({
        enrolmentId: extended.id,
        expiresAt: new Date(Date.now() + 10 * day).toISOString(),
        reason,
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("after the current end of access"),
    });
    expect(await lastEvent("enrolment.extended")).toMatchObject({
      before: { status: "expired" },
      after: { status: "active" },
    });
  });

  it("transfers between cohorts of the course, and reassigns to another course keeping the history", async () => {
    const chloe = await as("chloe.admin@example.org");
    const learner = await newLearner();
    const granted = await chloe.enrolments.grant({
      userId: learner,
      courseId: await courseId("medication-safety"),
      cohortId: await cohortId("Autumn cohort"),
      reason,
    });
    const moved = await chloe.enrolments.transfer({
      enrolmentId: granted.id,
      cohortId: await cohortId("Winter cohort"),
      reason,
    });
    expect(moved.cohort?.name).toBe("Winter cohort");
    await expect(
      chloe.enrolments.transfer({ enrolmentId: granted.id, cohortId: await cohortId("Winter cohort"), reason }),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    const reassigned = await chloe.enrolments.reassign({
      enrolmentId: granted.id,
      courseId: await courseId("dementia-care"),
      reason,
    });
    expect(reassigned).toMatchObject({ course: { code: "dementia-care" }, status: "active", source: "manual_grant" });
    const history = (await chloe.enrolments.list({ userId: learner })).enrolments;
    expect(history.map((row) => [row.course.code, row.status])).toEqual([
      ["dementia-care", "active"],
      ["medication-safety", "cancelled"],
    ]);
    expect(history[1]?.statusReason).toBe(`Moved to Dementia Care Essentials: ${reason}`);
  });

  it("suspends, reinstates and cancels, refusing what a status does not allow", async () => {
    const chloe = await as("chloe.admin@example.org");
    const learner = await newLearner();
    const { id } = await chloe.enrolments.grant({
      userId: learner,
      courseId: await courseId("infection-control"),
      reason,
    });
    expect((await chloe.enrolments.suspend({ enrolmentId: id, reason })).status).toBe("suspended");
    expect((await chloe.enrolments.reinstate({ enrolmentId: id, reason })).status).toBe("active");
    expect((await chloe.enrolments.cancel({ enrolmentId: id, reason })).status).toBe("cancelled");
    await expect(chloe.enrolments.suspend({ enrolmentId: id, reason })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "An enrolment that is cancelled cannot be suspended",
    });
    // Once cancelled, the learner can be enrolled afresh: only live enrolments are unique.
    await expect(
      chloe.enrolments.grant({ userId: learner, courseId: await courseId("infection-control"), reason }),
    ).resolves.toMatchObject({
      status: "active",
    });
  });
});

describe("listing enrolments", () => {
  it("pages by cursor, newest first", async () => {
    const chloe = await as("chloe.admin@example.org");
    const first = await chloe.enrolments.list({ limit: 3 });
    expect(first.enrolments).toHaveLength(3);
    const second = await chloe.enrolments.list({ limit: 3, cursor: first.nextCursor ?? undefined });
    const ids = [...first.enrolments, ...second.enrolments].map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    const times = [...first.enrolments, ...second.enrolments].map((row) => row.createdAt);
    expect(times).toEqual(times.toSorted().toReversed());
    await expect(chloe.enrolments.list({ cursor: "garbage" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("shows a client manager their client group's enrolments only", async () => {
    const kim = await as("kim.manager@example.org");
    const { enrolments } = await kim.enrolments.list({});
    expect(enrolments.length).toBeGreaterThan(0);
    expect(
      enrolments.every((row) => row.source === "corporate_contract" && row.learner.email === "ada.learner@example.org"),
    ).toBe(true);
  });
});

describe("enrolments.mine", () => {
  it("lists the learner's courses with whether each opens now", async () => {
    const morgan = await as("morgan.lee@example.org");
    const mine = await morgan.enrolments.mine();
    const byCode = new Map(mine.map((row) => [row.course.code, row]));
    expect(byCode.get("infection-control")?.access).toMatchObject({ allowed: false, denial: "payment_pending" });
    // The Winter cohort starts in twenty days.
    expect(byCode.get("medication-safety")?.access).toMatchObject({ allowed: false, denial: "cohort_not_started" });
  });
});
