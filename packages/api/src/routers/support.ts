import type { Role } from "@learnops/contracts/auth";
import { actAsInput } from "@learnops/contracts/me";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { startActingAs, stopActingAs } from "@learnops/db/queries/sessions";
import { findUserById } from "@learnops/db/queries/users";
import { withTenant, withUser } from "@learnops/db/tenancy";
import { mayBeActedAs } from "@learnops/domain/permissions";
import { TRPCError } from "@trpc/server";
import { authedProcedure, permittedProcedure, router } from "../trpc.ts";
import { toSessionView } from "./me.ts";

export const supportRouter = router({
  /**
   * Acts as a person of the institution the agent is signed in to, to see what they see. Time-limited
   * (at most an hour), with a reason, recorded in the audit trail; never as anyone who is a platform admin
   * anywhere, and never from inside another act-as.
   */
  actAs: permittedProcedure("sessions.act_as")
    .input(actAsInput)
    .mutation(async ({ ctx, input }) => {
      const { session } = ctx;
      if (session.actingAs)
        throw new TRPCError({ code: "FORBIDDEN", message: "Stop acting as someone before acting as another person" });
      if (input.userId === session.user.id)
        throw new TRPCError({ code: "BAD_REQUEST", message: "You cannot act as yourself" });

      // Their memberships everywhere: a platform admin anywhere is never acted as.
      const theirs = await withUser(ctx.db, input.userId, (trx) => listOwnMemberships(trx, input.userId));
      const here = theirs.find(
        (membership) => membership.institution_id === ctx.institutionId && membership.status === "active",
      );
      const person = here ? await findUserById(ctx.db, input.userId) : undefined;
      // Nobody by that id in this institution: the same answer as for an id that does not exist.
      if (!here || !person || person.status !== "active")
        throw new TRPCError({ code: "NOT_FOUND", message: "Person was not found" });
      if (theirs.some((membership) => !mayBeActedAs(membership.role as Role))) {
        throw new TRPCError({ code: "FORBIDDEN", message: "Platform admins cannot be acted as" });
      }

      const expiresAt = new Date(
        Math.min(ctx.now().getTime() + input.minutes * 60_000, session.absoluteExpiresAt.getTime()),
      );
      await startActingAs(ctx.db, session.id, { userId: person.id, reason: input.reason, expiresAt });
      await appendAuditEvent(ctx.db, {
        institutionId: ctx.institutionId,
        action: "support.acting_as_started",
        actorUserId: person.id,
        realActorUserId: session.user.id,
        activeMembershipId: ctx.membership.id,
        targetType: "user",
        targetId: person.id,
        after: { reason: input.reason, until: expiresAt.toISOString() },
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
      return toSessionView({
        user: { id: person.id, email: person.email, displayName: person.display_name },
        membership: here,
        absoluteExpiresAt: session.absoluteExpiresAt,
        actingAs: { realUser: session.user, realMembership: ctx.membership, reason: input.reason, expiresAt },
      });
    }),

  /** Stops acting as someone; the session is the agent's own again. */
  stopActing: authedProcedure.mutation(async ({ ctx }) => {
    const { session } = ctx;
    if (!session.actingAs) return toSessionView(session);
    const { realUser, realMembership } = session.actingAs;
    await withTenant(ctx.db, { institutionId: realMembership.institution_id, userId: realUser.id }, async (trx) => {
      await stopActingAs(trx, session.id);
      await appendAuditEvent(trx, {
        institutionId: realMembership.institution_id,
        action: "support.acting_as_stopped",
        actorUserId: session.user.id,
        realActorUserId: realUser.id,
        activeMembershipId: realMembership.id,
        targetType: "user",
        targetId: session.user.id,
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
    });
    return toSessionView({
      user: realUser,
      membership: realMembership,
      absoluteExpiresAt: session.absoluteExpiresAt,
      actingAs: null,
    });
  }),
});
