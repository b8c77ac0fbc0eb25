import { hashPassword } from "@learnops/auth/passwords";
import { webhookSignatureHeaderValue } from "@learnops/auth/webhook-signature";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { receivePaymentEvent } from "../payments.ts";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const as = (email: string) => signedInCaller({ db: appDb, jobs }, email, "northwind-health");

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
});

const courseId = async (code: string) =>
  (await db.selectFrom("courses").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
const enrolment = (id: string) =>
  db.selectFrom("enrolments").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("payments.checkout", () => {
  it("makes a pending payment enrolment whose id the provider's succeeded event then activates", async () => {
    const leo = await as("leo.learner@example.org");
    const infectionControl = await courseId("infection-control");
    const checkout = await (await leo()).payments.checkout({ courseId: infectionControl });
    expect(checkout).toMatchObject({
      amountCents: 14900,
      currency: "GBP",
      course: { id: infectionControl, title: "Infection Prevention and Control" },
    });
    expect(await enrolment(checkout.enrolmentId)).toMatchObject({
      source: "payment",
      status: "pending",
      payment_state: "pending",
      course_id: infectionControl,
      expires_at: null,
    });
    const audit = await db
      .selectFrom("audit_events")
      .select(["target_id", "after"])
      .where("action", "=", "enrolment.checkout_started")
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ target_id: checkout.enrolmentId, after: { amountCents: 14900, currency: "GBP" } });

    // The provider, paid, posts its event with the reference.
    const secret = "whsec_checkout_test_secret";
    const now = Math.floor(Date.now() / 1000);
    const rawBody = JSON.stringify({
      id: "evt_checkout_1",
      type: "payment.succeeded",
      created: now,
      data: { enrolmentId: checkout.enrolmentId, amountCents: checkout.amountCents, currency: checkout.currency },
    });
    const answer = await receivePaymentEvent(appDb, {
      secret,
      signatureHeader: webhookSignatureHeaderValue([secret], now, rawBody),
      rawBody,
      now: new Date(),
      log: pino({ level: "silent" }),
      requestId: null,
    });
    expect(answer).toEqual({ status: 200, body: { received: true, outcome: "applied" } });
    expect(await enrolment(checkout.enrolmentId)).toMatchObject({ status: "active", payment_state: "paid" });
  });

  it("refuses a course without a price, one that is not open, another institution's, and a second enrolment", async () => {
    const priya = await as("priya.learner@example.org");
    await expect(
      (await priya()).payments.checkout({ courseId: await courseId("medication-safety") }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "courseId: Medication Safety has no price: it is not sold to individuals",
    });
    await expect(
      (await priya()).payments.checkout({ courseId: await courseId("safeguarding-adults") }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("not published yet") });
    await expect((await priya()).payments.checkout({ courseId: await courseId("anti-bribery") })).rejects.toMatchObject(
      {
        code: "NOT_FOUND",
        message: "Course was not found",
      },
    );
    await expect((await priya()).payments.checkout({ courseId: "not-a-uuid" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });

    const infectionControl = await courseId("infection-control");
    const ada = await as("ada.learner@example.org");
    await expect((await ada()).payments.checkout({ courseId: infectionControl })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "You are already enrolled in Infection Prevention and Control (active)",
    });
    const morgan = await as("morgan.lee@example.org");
    await expect((await morgan()).payments.checkout({ courseId: infectionControl })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "Your purchase of Infection Prevention and Control is waiting for payment already",
    });
  });

  it("checks a chosen cohort: of the course, open for enrolment, not reserved for another client group", async () => {
    const course = await db
      .selectFrom("courses")
      .select(["id", "institution_id"])
      .where("code", "=", "infection-control")
      .executeTakeFirstOrThrow();
    const group = await db
      .insertInto("client_groups")
      .values({ institution_id: course.institution_id, name: "Fabrikam Care" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const cohort = (name: string, fields: { client_group_id?: string; enrolment_closes_at?: Date }) =>
      db
        .insertInto("cohorts")
        .values({
          institution_id: course.institution_id,
          course_id: course.id,
          name,
          starts_at: new Date(Date.now() + 7 * 86_400_000),
          ends_at: new Date(Date.now() + 90 * 86_400_000),
          ...fields,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
    const reserved = await cohort("Fabrikam evening group", { client_group_id: group.id });
    const closed = await cohort("Closed group", { enrolment_closes_at: new Date(Date.now() - 86_400_000) });
    const open = await cohort("Open group", {});
    const medicationCohort = await db
      .selectFrom("cohorts")
      .select("id")
      .where("name", "=", "Winter cohort")
      .executeTakeFirstOrThrow();

    const priya = await as("priya.learner@example.org");
    const checkout = async (cohortId: string) => (await priya()).payments.checkout({ courseId: course.id, cohortId });
    await expect(checkout(reserved.id)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "cohortId: Fabrikam evening group is reserved for another client group",
    });
    await expect(checkout(closed.id)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "cohortId: enrolment in Closed group has closed",
    });
    await expect(checkout(medicationCohort.id)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "cohortId: this cohort is not an offering of the course",
    });
    const bought = await checkout(open.id);
    expect(await enrolment(bought.enrolmentId)).toMatchObject({ cohort_id: open.id, status: "pending" });
  });

  it("lets exactly one of two simultaneous checkouts of the same course through", async () => {
    const quinn = await as("quinn.learner@example.org");
    const infectionControl = await courseId("infection-control");
    const outcomes = await Promise.allSettled([
      (await quinn()).payments.checkout({ courseId: infectionControl }),
      (await quinn()).payments.checkout({ courseId: infectionControl }),
    ]);
    expect(outcomes.map((outcome) => outcome.status).toSorted()).toEqual(["fulfilled", "rejected"]);
    expect(outcomes.find((outcome) => outcome.status === "rejected")?.reason).toMatchObject({ code: "CONFLICT" });
  });
});
