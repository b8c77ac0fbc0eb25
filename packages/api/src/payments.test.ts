import { webhookSignatureHeaderValue } from "@learnops/auth/webhook-signature";
import { loadDemoData } from "@learnops/db/demo-data";
import { withTenant } from "@learnops/db/tenancy";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { decideLearnerAccess } from "./access-decisions.ts";
import { receivePaymentEvent } from "./payments.ts";

// The route in apps/api only hands the raw body and the header to receivePaymentEvent: these tests call it
// directly, as the route does (apps/api/src/payment-webhook.test.ts covers the route itself).
const { appDb, db: ownerDb } = await setupTestJobQueue();
const secret = "whsec_test_current_secret";
const { log, entries } = captureLog();

beforeAll(async () => {
  await loadDemoData(ownerDb);
});

const seconds = () => Math.floor(Date.now() / 1000);
let eventNumber = 0;

function eventFor(enrolmentId: string, type: string, created = seconds(), id = `evt_${++eventNumber}`) {
  return { id, type, created, data: { enrolmentId, amountCents: 14900, currency: "GBP" } };
}

async function post(rawBody: string, header: string | null) {
  const answer = await receivePaymentEvent(appDb, {
    secret,
    signatureHeader: header,
    rawBody,
    now: new Date(),
    log,
    requestId: "req-webhook",
  });
  return { status: answer.status, json: async () => answer.body as unknown };
}

/** Posts an event signed as the provider signs it. */
function send(event: unknown, options: { secrets?: string[]; timestamp?: number } = {}) {
  const rawBody = JSON.stringify(event);
  return post(
    rawBody,
    webhookSignatureHeaderValue(options.secrets ?? [secret], options.timestamp ?? seconds(), rawBody),
  );
}

const enrolmentOf = (email: string, courseCode: string) =>
  ownerDb
    .selectFrom("enrolments")
    .innerJoin("users", "users.id", "enrolments.user_id")
    .innerJoin("courses", "courses.id", "enrolments.course_id")
    .selectAll("enrolments")
    .where("users.email", "=", email)
    .where("courses.code", "=", courseCode)
    .orderBy("enrolments.created_at", "desc")
    .executeTakeFirstOrThrow();
const enrolmentById = (id: string) =>
  ownerDb.selectFrom("enrolments").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const paymentEvent = (providerEventId: string) =>
  ownerDb.selectFrom("payment_events").selectAll().where("provider_event_id", "=", providerEventId).executeTakeFirst();
const auditCount = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from audit_events`.execute(ownerDb)).rows[0]?.n);

describe("POST /webhooks/payments", () => {
  it("activates a pending enrolment on payment.succeeded, audited with no actor, and a replay changes nothing", async () => {
    const pending = await enrolmentOf("morgan.lee@example.org", "infection-control");
    expect(pending).toMatchObject({ status: "pending", payment_state: "pending", expires_at: null });
    const event = eventFor(pending.id, "payment.succeeded");

    const response = await send(event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: "applied" });
    const paid = await enrolmentById(pending.id);
    expect(paid).toMatchObject({ status: "active", payment_state: "paid" });
    expect(paid.payment_state_since?.getTime()).toBe(event.created * 1000);
    // The course gives 365 days of access.
    expect(Math.round(((paid.expires_at?.getTime() ?? 0) - Date.now()) / 86_400_000)).toBe(365);
    expect(await paymentEvent(event.id)).toMatchObject({
      outcome: "applied",
      type: "payment.succeeded",
      enrolment_id: pending.id,
      institution_id: pending.institution_id,
    });
    const audit = await ownerDb
      .selectFrom("audit_events")
      .select(["institution_id", "actor_user_id", "target_id", "before", "after"])
      .where("action", "=", "enrolment.payment_succeeded")
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      institution_id: pending.institution_id,
      actor_user_id: null,
      target_id: pending.id,
      before: { status: "pending", paymentState: "pending" },
      after: { status: "active", paymentState: "paid", providerEventId: event.id },
    });

    const eventsBefore = await auditCount();
    const replay = await send(event);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ received: true, outcome: "duplicate" });
    expect(await enrolmentById(pending.id)).toEqual(paid);
    expect(await auditCount()).toBe(eventsBefore);
  });

  it("ignores an older event that arrives after a newer one, and records it as stale", async () => {
    const morgan = await enrolmentOf("morgan.lee@example.org", "infection-control");
    expect(morgan.payment_state).toBe("paid");
    const late = eventFor(morgan.id, "payment.pending", seconds() - 120);
    const response = await send(late);
    expect(await response.json()).toEqual({ received: true, outcome: "stale" });
    expect(await enrolmentById(morgan.id)).toEqual(morgan);
    expect(await paymentEvent(late.id)).toMatchObject({ outcome: "stale" });
  });

  it("refunds: the payment state says so and the access engine denies the course", async () => {
    const ada = await enrolmentOf("ada.learner@example.org", "infection-control");
    expect(ada).toMatchObject({ status: "active", payment_state: "paid" });
    const response = await send(eventFor(ada.id, "payment.refunded"));
    expect(await response.json()).toEqual({ received: true, outcome: "applied" });
    const refunded = await enrolmentById(ada.id);
    expect(refunded).toMatchObject({ status: "active", payment_state: "refunded" });

    const decision = await withTenant(appDb, { institutionId: ada.institution_id }, (trx) =>
      decideLearnerAccess(trx, { userId: ada.user_id, clientGroupId: null }, { courseId: ada.course_id }, new Date()),
    );
    expect(decision).toMatchObject({ allowed: false, denial: "payment_refunded" });
  });

  it("does not open the course for a payment short of its price, or in another currency", async () => {
    const morgan = await enrolmentOf("morgan.lee@example.org", "infection-control");
    const before = await enrolmentById(morgan.id);
    await send(eventFor(morgan.id, "payment.pending"));
    const pending = await enrolmentById(morgan.id);
    expect(pending.payment_state).toBe("pending");
    for (const data of [
      { enrolmentId: morgan.id, amountCents: 1, currency: "GBP" },
      { enrolmentId: morgan.id, amountCents: 14900, currency: "USD" },
    ]) {
      const event = { ...eventFor(morgan.id, "payment.succeeded"), data };
      expect(await (await send(event)).json()).toEqual({ received: true, outcome: "amount_mismatch" });
      expect(await paymentEvent(event.id)).toMatchObject({ outcome: "amount_mismatch" });
    }
    expect(await enrolmentById(morgan.id)).toEqual(pending);
    expect(before.payment_state).toBe("paid");
  });

  it("records a failed payment", async () => {
    const ada = await enrolmentOf("ada.learner@example.org", "infection-control");
    const response = await send(eventFor(ada.id, "payment.failed"));
    expect(await response.json()).toEqual({ received: true, outcome: "applied" });
    expect(await enrolmentById(ada.id)).toMatchObject({ payment_state: "failed" });
  });

  it("accepts an event signed with the old and the new secret during a rotation", async () => {
    const ravi = await enrolmentOf("ravi.learner@example.org", "infection-control");
    expect(ravi.payment_state).toBe("refunded");
    const event = eventFor(ravi.id, "payment.succeeded");
    const response = await send(event, { secrets: ["whsec_the_previous_secret", secret] });
    expect(response.status).toBe(200);
    expect(await paymentEvent(event.id)).toMatchObject({ outcome: "applied" });
    expect(await enrolmentById(ravi.id)).toMatchObject({ payment_state: "paid" });
  });

  it("changes nothing for an enrolment that is not a payment, or one it does not know", async () => {
    const corporate = await enrolmentOf("ada.learner@example.org", "dementia-care");
    const response = await send(eventFor(corporate.id, "payment.refunded"));
    expect(await response.json()).toEqual({ received: true, outcome: "not_a_payment" });
    expect(await enrolmentById(corporate.id)).toEqual(corporate);

    const unknown = await send(eventFor("00000000-0000-4000-8000-000000000000", "payment.succeeded"));
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toEqual({ received: true, outcome: "unknown_enrolment" });
  });

  it("applies an event delivered twice at the same moment once", async () => {
    const infectionControl = await ownerDb
      .selectFrom("courses")
      .select(["id", "institution_id"])
      .where("code", "=", "infection-control")
      .executeTakeFirstOrThrow();
    const priya = await ownerDb
      .selectFrom("users")
      .select("id")
      .where("email", "=", "priya.learner@example.org")
      .executeTakeFirstOrThrow();
    const pending = await ownerDb
      .insertInto("enrolments")
      .values({
        institution_id: infectionControl.institution_id,
        user_id: priya.id,
        course_id: infectionControl.id,
        source: "payment",
        status: "pending",
        payment_state: "pending",
        payment_state_since: new Date(Date.now() - 60_000),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const event = eventFor(pending.id, "payment.succeeded");
    const answers = await Promise.all([send(event), send(event)]);
    const outcomes = await Promise.all(answers.map((answer) => answer.json()));
    expect(outcomes.map((body) => (body as { outcome: string }).outcome).toSorted()).toEqual(["applied", "duplicate"]);
    const audits = await ownerDb.selectFrom("audit_events").select("id").where("target_id", "=", pending.id).execute();
    expect(audits).toHaveLength(1);
  });

  it("refuses bad signatures, stale timestamps, missing headers and malformed bodies, and logs each", async () => {
    const morgan = await enrolmentOf("morgan.lee@example.org", "infection-control");
    const event = eventFor(morgan.id, "payment.refunded");
    const rawBody = JSON.stringify(event);
    const signed = (body: string, secrets = [secret], timestamp = seconds()) =>
      webhookSignatureHeaderValue(secrets, timestamp, body);
    const cases: { name: string; response: ReturnType<typeof post>; status: number; reason: string }[] = [
      { name: "missing header", response: post(rawBody, null), status: 401, reason: "missing_header" },
      { name: "malformed header", response: post(rawBody, "sha256=abc"), status: 401, reason: "malformed_header" },
      {
        name: "wrong secret",
        response: post(rawBody, signed(rawBody, ["whsec_someone_elses_secret"])),
        status: 401,
        reason: "no_matching_signature",
      },
      {
        name: "tampered body",
        response: post(rawBody.replace("refunded", "succeeded"), signed(rawBody)),
        status: 401,
        reason: "no_matching_signature",
      },
      {
        name: "old timestamp",
        response: post(rawBody, signed(rawBody, [secret], seconds() - 301)),
        status: 401,
        reason: "timestamp_out_of_tolerance",
      },
      {
        name: "malformed JSON",
        response: post('{"id": "evt_x",', signed('{"id": "evt_x",')),
        status: 400,
        reason: "malformed_json",
      },
    ];
    const invalid = JSON.stringify({ ...event, type: "payment.disputed", data: { enrolmentId: "not-a-uuid" } });
    cases.push({
      name: "invalid event",
      response: post(invalid, signed(invalid)),
      status: 400,
      reason: "invalid_event",
    });

    for (const { name, response, status, reason } of cases) {
      const answer = await response;
      const body = (await answer.json()) as { reason: string; message: string };
      expect(body.message.length).toBeGreaterThan(10);
      expect({ name, status: answer.status, reason: body.reason }).toEqual({ name, status, reason });
    }
    expect(await paymentEvent(event.id)).toBeUndefined();
    expect(await enrolmentById(morgan.id)).toEqual(morgan);
    const warned = entries.filter(
      (entry) => entry.level === 40 && String(entry.msg).startsWith("payment webhook refused"),
    );
    expect(warned.map((entry) => entry.reason)).toEqual(expect.arrayContaining(cases.map((c) => c.reason)));

    const invalidAnswer = await post(invalid, signed(invalid));
    expect(((await invalidAnswer.json()) as { message: string }).message).toContain("data.enrolmentId");
  });
});
