import { verifyWebhookSignature } from "@learnops/auth/webhook-signature";
import { type PaymentEvent, type PaymentEventOutcome, paymentEvent } from "@learnops/contracts/payments";
import type { Database } from "@learnops/db/client";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import type { EnrolmentRow } from "@learnops/db/queries/enrolments";
import { findEnrolmentForUpdate, updateEnrolment } from "@learnops/db/queries/enrolments";
import { withPaymentEnrolmentLookup, withTenant } from "@learnops/db/tenancy";
import type { Logger } from "pino";

/** The provider the webhook's events come from: `payment_events` keeps event ids unique per provider. */
export const paymentProvider = "payments-webhook";

const day = 86_400_000;

export type PaymentWebhookAnswer =
  | { status: 200; body: { received: true; outcome: PaymentEventOutcome } }
  | { status: 400 | 401; body: { error: "BAD_REQUEST" | "UNAUTHORIZED"; reason: string; message: string } };

/** The payment state, and what the enrolment becomes, after each kind of event. */
function changesFor(
  event: PaymentEvent,
  enrolment: EnrolmentRow,
  accessDays: number | null,
  occurredAt: Date,
  now: Date,
) {
  const since = { payment_state_since: occurredAt };
  switch (event.type) {
    case "payment.succeeded":
      return {
        ...since,
        payment_state: "paid" as const,
        status: enrolment.status === "pending" ? ("active" as const) : enrolment.status,
        expires_at: enrolment.expires_at ?? (accessDays ? new Date(now.getTime() + accessDays * day) : null),
        status_reason: enrolment.status === "pending" ? "Payment received" : enrolment.status_reason,
      };
    case "payment.pending":
      return { ...since, payment_state: "pending" as const };
    case "payment.refunded":
      return { ...since, payment_state: "refunded" as const, status_reason: "Payment refunded" };
    case "payment.failed":
      return { ...since, payment_state: "failed" as const, status_reason: "Payment failed" };
  }
}

/**
 * An event older than the payment state the enrolment holds must not undo it (a "pending" that arrives after
 * the "succeeded"). The provider's timestamps are whole seconds, the enrolment's are not: compare seconds.
 */
function isStale(enrolment: EnrolmentRow, occurredAt: Date): boolean {
  if (!enrolment.payment_state_since) return false;
  return occurredAt.getTime() < Math.floor(enrolment.payment_state_since.getTime() / 1000) * 1000;
}

/**
 * What an event does. A payment that does not cover the course's price (in its currency) does not open it:
 * the amount is whatever the learner paid the provider, so it is checked here, not trusted.
 */
function decide(
  event: PaymentEvent,
  enrolment: EnrolmentRow,
  course: { price_cents: number | null; currency: string | null },
  occurredAt: Date,
): Exclude<PaymentEventOutcome, "duplicate" | "unknown_enrolment"> {
  if (enrolment.source !== "payment") return "not_a_payment";
  if (isStale(enrolment, occurredAt)) return "stale";
  if (
    event.type === "payment.succeeded" &&
    course.price_cents !== null &&
    (event.data.currency !== course.currency || event.data.amountCents < course.price_cents)
  ) {
    return "amount_mismatch";
  }
  return "applied";
}

/**
 * Receives one event posted to `POST /webhooks/payments`: checks its signature over the raw body, parses
 * it, finds the enrolment it names (through the one lookup policy that allows it) and applies it in the
 * enrolment's institution, once: the provider's event id is recorded with the outcome, so a replay changes
 * nothing. Answers what the route sends back.
 */
export async function receivePaymentEvent(
  db: Database,
  request: {
    secret: string;
    signatureHeader: string | null | undefined;
    rawBody: string;
    now: Date;
    log: Logger;
    requestId: string | null;
  },
): Promise<PaymentWebhookAnswer> {
  const { log, now } = request;
  const signature = verifyWebhookSignature({
    header: request.signatureHeader,
    rawBody: request.rawBody,
    secret: request.secret,
    now,
  });
  if (!signature.ok) {
    log.warn({ reason: signature.reason }, "payment webhook refused: signature");
    return { status: 401, body: { error: "UNAUTHORIZED", reason: signature.reason, message: signature.message } };
  }

  let json: unknown;
  try {
    json = JSON.parse(request.rawBody);
  } catch {
    log.warn({ reason: "malformed_json" }, "payment webhook refused: body");
    return {
      status: 400,
      body: { error: "BAD_REQUEST", reason: "malformed_json", message: "The body is not valid JSON" },
    };
  }
  const parsed = paymentEvent.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
    log.warn({ reason: "invalid_event", problems }, "payment webhook refused: body");
    return {
      status: 400,
      body: { error: "BAD_REQUEST", reason: "invalid_event", message: `Invalid event: ${problems.join("; ")}` },
    };
  }
  const event = parsed.data;
  const eventLog = log.child({ paymentEventId: event.id, type: event.type, enrolmentId: event.data.enrolmentId });

  const owner = await withPaymentEnrolmentLookup(db, event.data.enrolmentId, (trx) =>
    trx.selectFrom("enrolments").select("institution_id").where("id", "=", event.data.enrolmentId).executeTakeFirst(),
  );
  if (!owner) {
    // No institution to record it in; a retry would not find the enrolment either, so the provider is told
    // it arrived (200) and the log keeps it.
    eventLog.warn("payment event names no enrolment we know");
    return { status: 200, body: { received: true, outcome: "unknown_enrolment" } };
  }

  const outcome = await withTenant(db, { institutionId: owner.institution_id }, async (trx) => {
    // Events for one enrolment are applied one at a time, in the order their transactions lock it.
    const enrolment = await findEnrolmentForUpdate(trx, event.data.enrolmentId);
    if (!enrolment) throw new Error("the enrolment the lookup found is not visible in its own institution");
    // A provider clock ahead of ours must not date a state in our future (it would make every event stale).
    const occurredAt = new Date(Math.min(event.created * 1000, now.getTime()));
    const course = await trx
      .selectFrom("courses")
      .select(["access_days", "price_cents", "currency"])
      .where("id", "=", enrolment.course_id)
      .executeTakeFirstOrThrow();
    const decided = decide(event, enrolment, course, occurredAt);

    const recorded = await trx
      .insertInto("payment_events")
      .values({
        institution_id: owner.institution_id,
        provider: paymentProvider,
        provider_event_id: event.id,
        type: event.type,
        enrolment_id: enrolment.id,
        occurred_at: occurredAt,
        received_at: now,
        payload: JSON.stringify(event),
        outcome: decided,
      })
      .onConflict((oc) => oc.columns(["provider", "provider_event_id"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!recorded) return "duplicate" as const;
    if (decided !== "applied") return decided;

    const updated = await updateEnrolment(
      trx,
      enrolment.id,
      changesFor(event, enrolment, course.access_days, occurredAt, now),
      now,
    );
    const view = (row: EnrolmentRow) => ({
      status: row.status,
      paymentState: row.payment_state,
      expiresAt: row.expires_at?.toISOString() ?? null,
    });
    await appendAuditEvent(trx, {
      institutionId: owner.institution_id,
      actorUserId: null,
      action: `enrolment.${event.type.replace(".", "_")}`,
      targetType: "enrolment",
      targetId: enrolment.id,
      before: view(enrolment),
      after: {
        ...view(updated),
        providerEventId: event.id,
        amountCents: event.data.amountCents,
        currency: event.data.currency,
      },
      requestId: request.requestId,
    });
    return decided;
  });
  if (outcome === "applied") eventLog.info("payment event applied");
  else eventLog.warn({ outcome }, "payment event changed nothing");
  return { status: 200, body: { received: true, outcome } };
}
