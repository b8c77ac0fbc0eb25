import type { Database } from "@learnops/db/client";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import type { OwnMembership } from "@learnops/db/queries/memberships";
import type { ActiveSession } from "./sessions.ts";

/** What a member procedure's context offers the audit trail. */
interface MemberActionContext {
  db: Database;
  session: ActiveSession;
  membership: OwnMembership;
  institutionId: string;
  requestId: string | null;
  ip: string | null;
}

/**
 * Records an action taken in a member procedure, inside its tenant transaction: the change and its record
 * commit together. The actor is whom the request acts for; while support acts as someone, the agent is
 * recorded as the real actor.
 */
export function recordAction(
  ctx: MemberActionContext,
  event: { action: string; targetType: string; targetId: string; before?: unknown; after?: unknown },
): Promise<void> {
  return appendAuditEvent(ctx.db, {
    institutionId: ctx.institutionId,
    actorUserId: ctx.session.user.id,
    realActorUserId: ctx.session.actingAs?.realUser.id ?? null,
    activeMembershipId: ctx.membership.id,
    requestId: ctx.requestId,
    ip: ctx.ip,
    ...event,
  });
}
