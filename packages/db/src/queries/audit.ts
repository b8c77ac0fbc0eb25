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
  /** The institution whose chain is listed; row-level security limits the reader to it anyway. */
  institutionId: string;
  action?: string | undefined;
  actorUserId?: string | undefined;
  /** The actor's or real actor's email address; matches only people the institution may see (below). */
  actorEmail?: string | undefined;
  targetId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Events older than this id (keyset pagination, newest first). */
  beforeId?: string | undefined;
  limit: number;
}

/**
 * The institution's audit events, newest first, with the names behind the ids in the same query. `users`
 * belongs to the global identity and has no row-level policy, so a person is named only when they hold a
 * membership in the institution, which row-level security on `memberships` lets the reader see: the same
 * rule as the people list. Anyone else (a removed member, someone of another institution) stays an id.
 * The active membership's role comes through `memberships` too. Keyset pagination on the id keeps every
 * page one index range scan, however deep.
 */
export function listAuditEvents(db: Database, filter: AuditListFilter) {
  const { institutionId } = filter;
  const memberHere = (person: "actor" | "real_actor") =>
    sql<boolean>`exists (select 1 from memberships m where m.user_id = ${sql.ref(`${person}.id`)} and m.institution_id = ${institutionId})`;
  let query = db
    .selectFrom("audit_events as e")
    .leftJoin("users as actor", (join) => join.onRef("actor.id", "=", "e.actor_user_id").on(memberHere("actor")))
    .leftJoin("users as real_actor", (join) =>
      join.onRef("real_actor.id", "=", "e.real_actor_user_id").on(memberHere("real_actor")),
    )
    .leftJoin("memberships as active_membership", (join) =>
      join
        .onRef("active_membership.id", "=", "e.active_membership_id")
        .on("active_membership.institution_id", "=", institutionId),
    )
    .select([
      "e.id",
      "e.sequence",
      "e.occurred_at",
      "e.action",
      "e.actor_user_id",
      "actor.display_name as actor_display_name",
      "actor.email as actor_email",
      "e.real_actor_user_id",
      "real_actor.display_name as real_actor_display_name",
      "real_actor.email as real_actor_email",
      "e.active_membership_id",
      "active_membership.role as active_role",
      "e.target_type",
      "e.target_id",
      "e.before",
      "e.after",
      "e.request_id",
      sql<string | null>`host(e.ip)`.as("ip"),
    ])
    .where("e.institution_id", "=", institutionId)
    .orderBy("e.id", "desc")
    .limit(filter.limit);
  if (filter.action) query = query.where("e.action", "=", filter.action);
  if (filter.actorUserId) {
    const actor = filter.actorUserId;
    query = query.where((eb) => eb.or([eb("e.actor_user_id", "=", actor), eb("e.real_actor_user_id", "=", actor)]));
  }
  if (filter.actorEmail) {
    const address = filter.actorEmail;
    query = query.where((eb) => eb.or([eb("actor.email", "=", address), eb("real_actor.email", "=", address)]));
  }
  if (filter.targetId) query = query.where("e.target_id", "=", filter.targetId);
  if (filter.from) query = query.where("e.occurred_at", ">=", filter.from);
  if (filter.to) query = query.where("e.occurred_at", "<", filter.to);
  if (filter.beforeId) query = query.where("e.id", "<", filter.beforeId);
  return query.execute();
}
