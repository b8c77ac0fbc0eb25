import { changeRoleInput, membershipIdInput } from "@learnops/contracts/administration";
import { findClientGroup, findMembershipById } from "@learnops/db/queries/people";
import { deleteUserSessions } from "@learnops/db/queries/sessions";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import type { Context } from "../context.ts";
import { notFound, permittedProcedure, router } from "../trpc.ts";

async function membershipHere(db: Context["db"], id: string) {
  const membership = await findMembershipById(db, id);
  if (!membership) throw notFound("Membership");
  return membership;
}

/** Platform admin memberships are changed by platform admins only. */
function assertMayChange(actorRole: string, role: string): void {
  if (role === "platform_admin" && actorRole !== "platform_admin") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Only a platform admin can change a platform admin's membership",
    });
  }
}

export const membershipsRouter = router({
  changeRole: permittedProcedure("memberships.manage")
    .input(changeRoleInput)
    .mutation(async ({ ctx, input }) => {
      const membership = await membershipHere(ctx.db, input.membershipId);
      assertMayChange(ctx.membership.role, membership.role);
      assertMayChange(ctx.membership.role, input.role);
      const clientGroupId = input.clientGroupId === undefined ? membership.client_group_id : input.clientGroupId;
      if (clientGroupId && !(await findClientGroup(ctx.db, clientGroupId))) throw notFound("Client group");
      if (input.role === "client_manager" && !clientGroupId)
        throw new TRPCError({ code: "BAD_REQUEST", message: "A client manager needs a client group" });
      await ctx.db
        .updateTable("memberships")
        .set({ role: input.role, client_group_id: clientGroupId })
        .where("id", "=", membership.id)
        .execute();
      await recordAction(ctx, {
        action: "membership.role_changed",
        targetType: "membership",
        targetId: membership.id,
        before: { role: membership.role, clientGroupId: membership.client_group_id },
        after: { role: input.role, clientGroupId },
      });
      return { membershipId: membership.id, role: input.role };
    }),

  /** Suspends a membership here; the person's sessions end so no request keeps acting in it. */
  suspend: permittedProcedure("memberships.manage")
    .input(membershipIdInput)
    .mutation(async ({ ctx, input }) => {
      const membership = await membershipHere(ctx.db, input.membershipId);
      assertMayChange(ctx.membership.role, membership.role);
      if (membership.id === ctx.membership.id)
        throw new TRPCError({ code: "BAD_REQUEST", message: "You cannot suspend the membership you act in" });
      await ctx.db.updateTable("memberships").set({ status: "suspended" }).where("id", "=", membership.id).execute();
      const sessionsEnded = await deleteUserSessions(ctx.db, membership.user_id);
      await recordAction(ctx, {
        action: "membership.suspended",
        targetType: "membership",
        targetId: membership.id,
        before: { status: membership.status },
        after: { status: "suspended" },
      });
      return { sessionsEnded };
    }),

  reactivate: permittedProcedure("memberships.manage")
    .input(membershipIdInput)
    .mutation(async ({ ctx, input }) => {
      const membership = await membershipHere(ctx.db, input.membershipId);
      assertMayChange(ctx.membership.role, membership.role);
      await ctx.db.updateTable("memberships").set({ status: "active" }).where("id", "=", membership.id).execute();
      await recordAction(ctx, {
        action: "membership.reactivated",
        targetType: "membership",
        targetId: membership.id,
        before: { status: membership.status },
        after: { status: "active" },
      });
      return { reactivated: true };
    }),

  remove: permittedProcedure("memberships.manage")
    .input(membershipIdInput)
    .mutation(async ({ ctx, input }) => {
      const membership = await membershipHere(ctx.db, input.membershipId);
      assertMayChange(ctx.membership.role, membership.role);
      if (membership.id === ctx.membership.id)
        throw new TRPCError({ code: "BAD_REQUEST", message: "You cannot remove the membership you act in" });
      await ctx.db.deleteFrom("memberships").where("id", "=", membership.id).execute();
      await recordAction(ctx, {
        action: "membership.removed",
        targetType: "membership",
        targetId: membership.id,
        before: { userId: membership.user_id, role: membership.role, clientGroupId: membership.client_group_id },
      });
      return { removed: true };
    }),
});
