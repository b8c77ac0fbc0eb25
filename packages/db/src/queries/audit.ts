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

export interface AuditListFilter {
  action?: string | undefined;
  actorUserId?: string | undefined;
  targetId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Events older than this id (keyset pagination, newest first). */
  beforeId?: string | undefined;
  limit: number;
}

/**
 * The current institution's audit events, newest first. Row-level security limits them to the transaction's
 * institution; keyset pagination on the id keeps every page one index range scan, however deep.
 */
export function listAuditEvents(db: Database, filter: AuditListFilter) {
  let query = db
    .selectFrom("audit_events")
    .select([
      "id",
      "sequence",
      "occurred_at",
      "action",
      "actor_user_id",
      "real_actor_user_id",
      "active_membership_id",
      "target_type",
      "target_id",
      "before",
      "after",
      "request_id",
      sql<string | null>`host(ip)`.as("ip"),
    ])
    .orderBy("id", "desc")
    .limit(filter.limit);
  if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.actorUserId) {
    const actor = filter.actorUserId;
    query = query.where((eb) => eb.or([eb("actor_user_id", "=", actor), eb("real_actor_user_id", "=", actor)]));
  }
  if (filter.targetId) query = query.where("target_id", "=", filter.targetId);
  if (filter.from) query = query.where("occurred_at", ">=", filter.from);
  if (filter.to) query = query.where("occurred_at", "<", filter.to);
  if (filter.beforeId) query = query.where("id", "<", filter.beforeId);
  return query.execute();
}
