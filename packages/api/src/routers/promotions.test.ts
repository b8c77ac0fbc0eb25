import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const as = (email: string) => signedInCaller({ db: appDb, jobs }, email, "northwind-health");
const day = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * day).toISOString();

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
});

const courseId = async (code: string) =>
  (await db.selectFrom("courses").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
const userId = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
const promotion = (code: string) =>
  db.selectFrom("promotions").selectAll().where("code", "=", code).executeTakeFirstOrThrow();
const lastEvent = async (action: string) =>
  (
    await sql<{ actor_user_id: string; target_id: string; before: unknown; after: unknown }>`
      select actor_user_id, target_id, before, after from audit_events where action = ${action}
      order by id desc limit 1`.execute(db)
  ).rows[0];

async function createPromotion(code: string, fields: Record<string, unknown> = {}) {
  const chloe = await as("chloe.admin@example.org");
  return (await chloe()).promotions.create({
    code,
    validFrom: inDays(-1),
    validUntil: inDays(30),
    accessDays: 60,
    courseIds: [await courseId("infection-control")],
    ...fields,
  });
}

describe("promotions for staff", () => {
  it("lists the institution's codes with their courses, uses and state", async () => {
    const chloe = await as("chloe.admin@example.org");
    const [winter] = await (await chloe()).promotions.list();
    expect(winter).toMatchObject({
      code: "WINTER-2026",
      uses: 1,
      maxUses: 100,
      accessDays: 90,
      state: "active",
      courses: [{ code: "infection-control", title: "Infection Prevention and Control" }],
    });
    const ada = await as("ada.learner@example.org");
    await expect((await ada()).promotions.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("creates a code (upper-cased), audited, and refuses a taken code, foreign courses and a backwards window", async () => {
    const created = await createPromotion("spring-2027", { maxUses: 5, description: "Spring" });
    expect(created).toMatchObject({ code: "SPRING-2027", maxUses: 5, uses: 0, state: "active" });
    expect(await lastEvent("promotion.created")).toMatchObject({
      actor_user_id: await userId("chloe.admin@example.org"),
      target_id: created?.id,
      after: { code: "SPRING-2027", maxUses: 5 },
    });
    await expect(createPromotion("SPRING-2027")).rejects.toMatchObject({
      code: "CONFLICT",
      message: "A promotion with the code SPRING-2027 exists already",
    });
    const acmeCourse = await courseId("anti-bribery");
    await expect(createPromotion("ELSEWHERE-1", { courseIds: [acmeCourse] })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(createPromotion("BACKWARDS-1", { validFrom: inDays(5), validUntil: inDays(1) })).rejects.toMatchObject(
      { code: "BAD_REQUEST", message: expect.stringContaining("A promotion must end after it starts") },
    );
    await expect(createPromotion("no spaces allowed")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(createPromotion("YEAR-ZERO", { validFrom: "0000-01-01T00:00:00Z" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("deactivates a code now, audited; a scheduled one too; a second time is refused", async () => {
    const running = await createPromotion("STOP-ME");
    const chloe = await as("chloe.admin@example.org");
    const stopped = await (await chloe()).promotions.deactivate({ promotionId: running?.id ?? "" });
    expect(stopped?.state).toBe("ended");
    expect(Date.parse(stopped?.validUntil ?? "")).toBeLessThanOrEqual(Date.now());
    expect(await lastEvent("promotion.deactivated")).toMatchObject({ target_id: running?.id });
    await expect((await chloe()).promotions.deactivate({ promotionId: running?.id ?? "" })).rejects.toMatchObject({
      code: "CONFLICT",
    });

    const scheduled = await createPromotion("LATER-ON", { validFrom: inDays(10), validUntil: inDays(20) });
    expect(scheduled?.state).toBe("scheduled");
    const ended = await (await chloe()).promotions.deactivate({ promotionId: scheduled?.id ?? "" });
    expect(ended?.state).toBe("ended");
    const leo = await as("leo.learner@example.org");
    await expect(
      (await leo()).promotions.redeem({ code: "LATER-ON", courseId: await courseId("infection-control") }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("code: LATER-ON expired on") });
  });
});

describe("redeeming a code", () => {
  it("gives an active promotion enrolment for the code's days, records the redemption and takes one use", async () => {
    const leo = await as("leo.learner@example.org");
    const infectionControl = await courseId("infection-control");
    const redeemed = await (await leo()).promotions.redeem({ code: "winter-2026", courseId: infectionControl });
    const enrolment = await db
      .selectFrom("enrolments")
      .selectAll()
      .where("id", "=", redeemed.enrolmentId)
      .executeTakeFirstOrThrow();
    expect(enrolment).toMatchObject({
      user_id: await userId("leo.learner@example.org"),
      course_id: infectionControl,
      source: "promotion",
      status: "active",
      promotion_id: (await promotion("WINTER-2026")).id,
    });
    expect(Math.round(((enrolment.expires_at?.getTime() ?? 0) - Date.now()) / day)).toBe(90);
    expect((await promotion("WINTER-2026")).uses).toBe(2);
    expect(
      await db
        .selectFrom("promotion_redemptions")
        .select(["enrolment_id"])
        .where("user_id", "=", enrolment.user_id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ enrolment_id: enrolment.id });
    expect(await lastEvent("promotion.redeemed")).toMatchObject({
      actor_user_id: enrolment.user_id,
      target_id: enrolment.id,
      after: { code: "WINTER-2026", uses: 2 },
    });
  });

  it("refuses each reason in words, and takes no use when it refuses", async () => {
    const infectionControl = await courseId("infection-control");
    const leo = await as("leo.learner@example.org");
    const ada = await as("ada.learner@example.org");
    const priya = await as("priya.learner@example.org");
    const usesBefore = (await promotion("WINTER-2026")).uses;

    await expect(
      (await priya()).promotions.redeem({ code: "NOPE-1", courseId: infectionControl }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "No promotion with the code NOPE-1" });
    await expect(
      (await priya()).promotions.redeem({ code: "WINTER-2026", courseId: await courseId("dementia-care") }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^code: WINTER-2026 does not apply to Dementia/),
    });
    await expect(
      (await priya()).promotions.redeem({ code: "WINTER-2026", courseId: await courseId("safeguarding-adults") }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("not published yet") });
    // Leo redeemed it in the test above.
    await expect(
      (await leo()).promotions.redeem({ code: "WINTER-2026", courseId: infectionControl }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("You redeemed WINTER-2026 on") });
    await expect(
      (await ada()).promotions.redeem({ code: "WINTER-2026", courseId: infectionControl }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: "You are already enrolled in Infection Prevention and Control (active)",
    });
    await createPromotion("NOT-YET", { validFrom: inDays(3), validUntil: inDays(9) });
    await expect(
      (await priya()).promotions.redeem({ code: "NOT-YET", courseId: infectionControl }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("can be redeemed from") });
    await createPromotion("LONG-GONE", { validFrom: inDays(-20), validUntil: inDays(-10) });
    await expect(
      (await priya()).promotions.redeem({ code: "LONG-GONE", courseId: infectionControl }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("LONG-GONE expired on") });
    expect((await promotion("WINTER-2026")).uses).toBe(usesBefore);
  });

  it("gives the last use to exactly one of two learners redeeming at the same moment", async () => {
    await createPromotion("LAST-ONE", { maxUses: 1 });
    const infectionControl = await courseId("infection-control");
    const [priya, quinn] = await Promise.all([
      as("priya.learner@example.org").then((caller) => caller()),
      as("quinn.learner@example.org").then((caller) => caller()),
    ]);
    const outcomes = await Promise.allSettled([
      priya.promotions.redeem({ code: "LAST-ONE", courseId: infectionControl }),
      quinn.promotions.redeem({ code: "LAST-ONE", courseId: infectionControl }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const [refused] = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(refused?.reason).toMatchObject({
      code: "CONFLICT",
      message: "LAST-ONE has been used up (all 1 uses are taken)",
    });
    const lastOne = await promotion("LAST-ONE");
    expect(lastOne.uses).toBe(1);
    const enrolments = await db
      .selectFrom("enrolments")
      .select("user_id")
      .where("promotion_id", "=", lastOne.id)
      .execute();
    const redemptions = await db
      .selectFrom("promotion_redemptions")
      .select("user_id")
      .where("promotion_id", "=", lastOne.id)
      .execute();
    expect(enrolments).toHaveLength(1);
    expect(redemptions).toEqual(enrolments);

    // And a third learner, later, finds it used up too.
    const nina = await as("nina.learner@example.org");
    await expect(
      (await nina()).promotions.redeem({ code: "LAST-ONE", courseId: await courseId("dementia-care") }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
