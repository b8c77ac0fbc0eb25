import { sql } from "kysely";
import type { Database } from "../client.ts";

export interface NewOutboxMessage {
  /** What the message is, e.g. `password_reset`: for operators, never shown to the recipient. */
  kind: string;
  userId: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Queues a message; run it in the transaction of the change that calls for it. Returns the row's id. */
export async function insertOutboxMessage(db: Database, message: NewOutboxMessage): Promise<string> {
  const row = await db
    .insertInto("email_outbox")
    .values({
      kind: message.kind,
      user_id: message.userId,
      to_address: message.to,
      subject: message.subject,
      text_body: message.text,
      html_body: message.html,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** One queued or sent message, bodies included (null once sent). */
export function findOutboxMessage(db: Database, id: string) {
  return db
    .selectFrom("email_outbox")
    .select([
      "id",
      "kind",
      "user_id",
      "to_address",
      "subject",
      "text_body",
      "html_body",
      "created_at",
      "attempts",
      "last_attempt_at",
      "last_error",
      "sent_at",
      "provider",
      "provider_message_id",
    ])
    .where("id", "=", id)
    .executeTakeFirst();
}

/** The messages of a kind queued since `since` and not sent yet, oldest first: for a job that delivers its own. */
export async function unsentOutboxMessageIds(db: Database, params: { kind: string; since: Date }): Promise<string[]> {
  const rows = await db
    .selectFrom("email_outbox")
    .select("id")
    .where("kind", "=", params.kind)
    .where("sent_at", "is", null)
    .where("created_at", ">=", params.since)
    .orderBy("created_at")
    .execute();
  return rows.map((row) => row.id);
}

export type OutboxMessage = NonNullable<Awaited<ReturnType<typeof findOutboxMessage>>>;

/**
 * Marks a message sent and erases its bodies, which may hold a single-use link. Only an unsent row changes,
 * so of two deliveries racing on one message only the first is recorded; returns whether this one was.
 */
export async function markOutboxMessageSent(
  db: Database,
  id: string,
  sent: { provider: string; providerMessageId: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable("email_outbox")
    .set({
      sent_at: sql`now()`,
      provider: sent.provider,
      provider_message_id: sent.providerMessageId,
      text_body: null,
      html_body: null,
      attempts: sql`attempts + 1`,
      last_attempt_at: sql`now()`,
      last_error: null,
    })
    .where("id", "=", id)
    .where("sent_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Records a failed attempt; the message stays unsent for the next one. */
export async function recordOutboxFailure(db: Database, id: string, error: string): Promise<void> {
  await db
    .updateTable("email_outbox")
    .set({ attempts: sql`attempts + 1`, last_attempt_at: sql`now()`, last_error: error.slice(0, 2000) })
    .where("id", "=", id)
    .where("sent_at", "is", null)
    .execute();
}
