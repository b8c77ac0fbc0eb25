import { sql } from "kysely";
import type { Database } from "../client.ts";

export interface AuditEvent {
  /** The institution whose chain records the event; null for the platform's own chain. */
  institutionId: string | null;
  action: string;
  actorUserId?: string | null;
  realActorUserId?: string | null;
  activeMembershipId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
  ip?: string | null;
}

/**
 * Appends an event to its chain. Run it inside the transaction that makes the change it records, scoped to
 * the event's institution (`withTenant`), so the change and its record commit together or not at all.
 * Platform-chain events need the platform scope (`withPlatformScope`).
 */
export async function appendAuditEvent(db: Database, event: AuditEvent): Promise<void> {
  await db
    .insertInto("audit_events")
    .values({
      institution_id: event.institutionId,
      action: event.action,
      actor_user_id: event.actorUserId ?? null,
      real_actor_user_id: event.realActorUserId ?? null,
      active_membership_id: event.activeMembershipId ?? null,
      target_type: event.targetType ?? null,
      target_id: event.targetId ?? null,
      before: event.before === undefined ? null : JSON.stringify(event.before),
      after: event.after === undefined ? null : JSON.stringify(event.after),
      request_id: event.requestId ?? null,
      ip: event.ip ?? null,
    })
    .execute();
}

/** Events that do not match the chain of an institution (or of the platform when null); empty when intact. */
export async function findAuditChainBreaks(db: Database, institutionId: string | null) {
  const { rows } = await sql<{ sequence: string; problem: string }>`
    select sequence, problem from audit_chain_breaks(${institutionId}::uuid)`.execute(db);
  return rows.map((row) => ({ sequence: Number(row.sequence), problem: row.problem }));
}
