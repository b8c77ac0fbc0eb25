import { z } from "zod";

/** What the payment provider's events can say about an enrolment's payment. */
export const paymentEventType = z.enum(["payment.succeeded", "payment.pending", "payment.refunded", "payment.failed"]);
export type PaymentEventType = z.infer<typeof paymentEventType>;

/**
 * One event the payment provider posts to `POST /webhooks/payments`. `data.enrolmentId` is the reference
 * `payments.checkout` returned; `id` is the provider's own event id, unique per event (a replay repeats it).
 */
export const paymentEvent = z.object({
  id: z.string().trim().min(1, "Give the event's id").max(200, "An event id has at most 200 characters"),
  type: paymentEventType,
  /** When the provider created the event, in unix seconds: orders events that arrive out of order. */
  created: z.number().int().min(0),
  data: z.object({
    enrolmentId: z.uuid(),
    amountCents: z.number().int().min(0),
    currency: z.string().regex(/^[A-Z]{3}$/, "A currency is an ISO 4217 code like GBP"),
  }),
});
export type PaymentEvent = z.infer<typeof paymentEvent>;

/** What the webhook answers an accepted event: what it did (replays and stale events change nothing). */
export const paymentEventOutcome = z.enum([
  "applied",
  "stale",
  "duplicate",
  "amount_mismatch",
  "unknown_enrolment",
  "not_a_payment",
]);
export type PaymentEventOutcome = z.infer<typeof paymentEventOutcome>;
