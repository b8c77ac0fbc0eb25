import { type AuditEventView, type AuditPerson, auditListInput } from "@learnops/contracts/audit";
import type { Role } from "@learnops/contracts/auth";
import { findAuditChainBreaks, listAuditEvents } from "@learnops/db/queries/audit";
import { permittedProcedure, router } from "../trpc.ts";

/** A person named in an event, or null when the institution may not see who it was. */
function personOf(displayName: string | null, email: string | null): AuditPerson | null {
  return displayName !== null && email !== null ? { displayName, email } : null;
}

export const auditRouter = router({
  /**
   * The active institution's audit events, newest first, filtered, one page at a time, with the names of the
   * people behind them where the institution may see them (see `listAuditEvents`).
   */
  list: permittedProcedure("audit.read")
    .input(auditListInput)
    .query(async ({ ctx, input }) => {
      const rows = await listAuditEvents(ctx.db, {
        institutionId: ctx.institutionId,
        action: input.action,
        actorUserId: input.actorUserId,
        actorEmail: input.actorEmail,
        targetId: input.targetId,
        from: input.from ? new Date(input.from) : undefined,
        to: input.to ? new Date(input.to) : undefined,
        beforeId: input.cursor,
        limit: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const events: AuditEventView[] = page.map((row) => ({
        id: row.id,
        sequence: Number(row.sequence),
        occurredAt: row.occurred_at.toISOString(),
        action: row.action,
        actorUserId: row.actor_user_id,
        actor: personOf(row.actor_display_name, row.actor_email),
        realActorUserId: row.real_actor_user_id,
        realActor: personOf(row.real_actor_display_name, row.real_actor_email),
        activeMembershipId: row.active_membership_id,
        activeRole: (row.active_role as Role | null) ?? null,
        targetType: row.target_type,
        targetId: row.target_id,
        before: row.before,
        after: row.after,
        requestId: row.request_id,
        ip: row.ip,
      }));
      return { events, nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
    }),

  /** Recomputes the active institution's chain: any edited, deleted or reordered event is reported. */
  verify: permittedProcedure("audit.verify").query(async ({ ctx }) => {
    const breaks = await findAuditChainBreaks(ctx.db, ctx.institutionId);
    return { intact: breaks.length === 0, breaks };
  }),
});
