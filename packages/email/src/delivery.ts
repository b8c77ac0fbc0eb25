import type { Database } from "@learnops/db/client";
import { findOutboxMessage, markOutboxMessageSent, recordOutboxFailure } from "@learnops/db/queries/email-outbox";
import type { Logger } from "pino";
import type { EmailTransport } from "./transport.ts";

export type DeliveryOutcome =
  | { outcome: "sent"; provider: string; providerMessageId: string | null }
  | { outcome: "already_sent"; provider: string | null; providerMessageId: string | null }
  | { outcome: "missing" };

/** The key under which the provider deduplicates one outbox row's sends. */
export function idempotencyKeyFor(outboxId: string): string {
  return `email-outbox/${outboxId}`;
}

/**
 * Delivers one outbox message; the worker calls it for each `email-delivery` job. Idempotent by outbox id:
 * a message already sent is not sent again, and the provider is given the row's id as idempotency key, so
 * even a worker that dies between the provider's answer and our update does not send it twice. A failure
 * is recorded on the row and thrown, so the job queue retries it.
 */
export async function deliverEmail(
  db: Database,
  transport: EmailTransport,
  outboxId: string,
  log: Logger,
): Promise<DeliveryOutcome> {
  const message = await findOutboxMessage(db, outboxId);
  if (!message) {
    // The person was deleted (their messages go with them): nothing is left to send.
    log.info({ outboxId }, "email not sent: its outbox row no longer exists");
    return { outcome: "missing" };
  }
  if (message.sent_at) {
    log.info({ outboxId, provider: message.provider }, "email already sent; not sending again");
    return { outcome: "already_sent", provider: message.provider, providerMessageId: message.provider_message_id };
  }
  if (message.text_body === null || message.html_body === null) {
    // The table's checks keep the bodies until the row is sent; this only narrows the types.
    throw new Error(`outbox message ${outboxId} is unsent but has no body`);
  }

  let providerMessageId: string | null;
  try {
    ({ providerMessageId } = await transport.send(
      { to: message.to_address, subject: message.subject, text: message.text_body, html: message.html_body },
      { idempotencyKey: idempotencyKeyFor(outboxId), log },
    ));
  } catch (error) {
    await recordOutboxFailure(db, outboxId, error instanceof Error ? error.message : String(error));
    throw error;
  }
  await markOutboxMessageSent(db, outboxId, { provider: transport.name, providerMessageId });
  log.info({ outboxId, kind: message.kind, provider: transport.name, providerMessageId }, "email sent");
  return { outcome: "sent", provider: transport.name, providerMessageId };
}
