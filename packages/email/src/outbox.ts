import type { Database } from "@learnops/db/client";
import { insertOutboxMessage } from "@learnops/db/queries/email-outbox";
import type { RenderedEmail } from "./templates.ts";

/** What the platform sends; each kind has its template in templates.ts. */
export type EmailKind =
  | "password_reset"
  | "email_verification"
  | "account_exists"
  | "invitation"
  | "course_completed"
  | "service_provider_key_renewal";

export interface EmailMessage extends RenderedEmail {
  kind: EmailKind;
  /** The person it is for; null only for an address with no account behind it. */
  userId: string | null;
  to: string;
}

/**
 * Sends the `email-delivery` job for an outbox row, in the transaction given. packages/jobs declares that
 * queue and its handler calls this package, so this package cannot import `sendJob` without a cycle; the
 * caller, which has both, passes it in:
 * `(outboxId, transaction) => sendJob(jobs, emailDeliveryJob, { outboxId }, { transaction })`.
 */
export type EnqueueEmailDelivery = (outboxId: string, transaction: Database) => Promise<unknown>;

/**
 * Puts a message in the outbox and enqueues its delivery, both in `trx`, the transaction of the change that
 * calls for the message: they commit together with it or not at all. Returns the outbox row's id.
 */
export async function queueEmail(
  trx: Database,
  message: EmailMessage,
  enqueueDelivery: EnqueueEmailDelivery,
): Promise<string> {
  if (!trx.isTransaction) {
    throw new Error("queueEmail runs in the transaction of the change it belongs to; pass that transaction");
  }
  const outboxId = await insertOutboxMessage(trx, message);
  await enqueueDelivery(outboxId, trx);
  return outboxId;
}
