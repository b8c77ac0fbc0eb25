import { type AuditEventView, auditListInput } from "@learnops/contracts/audit";
import { findAuditChainBreaks, listAuditEvents } from "@learnops/db/queries/audit";
import { permittedProcedure, router } from "../trpc.ts";

export const auditRouter = router({
  /** The active institution's audit events, newest first, filtered, one page at a time. */
  list: permittedProcedure("audit.read")
    .input(auditListInput)
    .query(async ({ ctx, input }) => {
      const rows = await listAuditEvents(ctx.db, {
        action: input.action,
        actorUserId: input.actorUserId,
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
        realActorUserId: row.real_actor_user_id,
        activeMembershipId: row.active_membership_id,
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
