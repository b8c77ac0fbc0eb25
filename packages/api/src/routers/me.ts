import type { Role } from "@learnops/contracts/auth";
import { type MembershipView, type SessionView, switchMembershipInput } from "@learnops/contracts/me";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import { listOwnMemberships, type OwnMembership } from "@learnops/db/queries/memberships";
import { listUserSessions, setActiveMembership } from "@learnops/db/queries/sessions";
import { withTenant, withUser } from "@learnops/db/tenancy";
import { rolePermissions } from "@learnops/domain/permissions";
import { TRPCError } from "@trpc/server";
import { type ActiveSession, idleExpiryForSwitch } from "../sessions.ts";
import { authedProcedure, publicProcedure, router } from "../trpc.ts";

export function toMembershipView(membership: OwnMembership): MembershipView {
  return {
    id: membership.id,
    role: membership.role as Role,
    clientGroupId: membership.client_group_id,
    institution: {
      id: membership.institution_id,
      slug: membership.institution_slug,
      displayName: membership.institution_name,
      primaryColour: membership.primary_colour,
      accentColour: membership.accent_colour,
      logoUrl: membership.logo_url,
    },
  };
}

export function toSessionView(
  session: Pick<ActiveSession, "user" | "membership" | "absoluteExpiresAt" | "actingAs">,
): SessionView {
  return {
    user: session.user,
    activeMembership: session.membership ? toMembershipView(session.membership) : null,
    permissions: session.membership ? [...rolePermissions[session.membership.role as Role]] : [],
    expiresAt: session.absoluteExpiresAt.toISOString(),
    actingAs: session.actingAs
      ? {
          realUser: session.actingAs.realUser,
          reason: session.actingAs.reason,
          expiresAt: session.actingAs.expiresAt.toISOString(),
        }
      : null,
  };
}

export const meRouter = router({
  /** Who is signed in, and as which membership; null when nobody is (the apps then show sign-in). */
  session: publicProcedure.query(({ ctx }) => (ctx.session ? toSessionView(ctx.session) : null)),

  /** Every active membership of the signed-in person, in every institution, for the switcher. */
  memberships: authedProcedure.query(async ({ ctx }) => {
    const userId = ctx.session.user.id;
    const memberships = await withUser(ctx.db, userId, (trx) => listOwnMemberships(trx, userId));
    const { samlInstitutionId } = ctx.session;
    return memberships
      .filter((membership) => membership.status === "active")
      .filter((membership) => !samlInstitutionId || membership.institution_id === samlInstitutionId)
      .map(toMembershipView);
  }),

  /**
   * Acts in another of one's memberships without signing in again. The session's idle window follows the
   * new role's policy; the switch is recorded in the audit trail of the institution switched to.
   */
  switchMembership: authedProcedure.input(switchMembershipInput).mutation(async ({ ctx, input }) => {
    const { session } = ctx;
    if (session.actingAs) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Stop acting as ${session.user.displayName} before switching memberships`,
      });
    }
    const userId = session.user.id;
    const memberships = await withUser(ctx.db, userId, (trx) => listOwnMemberships(trx, userId));
    const target = memberships.find(
      (membership) => membership.id === input.membershipId && membership.status === "active",
    );
    // Someone else's membership, or one that does not exist: the same answer.
    if (!target) throw new TRPCError({ code: "NOT_FOUND", message: "Membership was not found" });
    if (session.samlInstitutionId && target.institution_id !== session.samlInstitutionId) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `You signed in with ${session.membership?.institution_name ?? "an institution"}'s single sign-on, which vouches for you there only. Sign in with your password to act at ${target.institution_name}.`,
      });
    }

    await withTenant(ctx.db, { institutionId: target.institution_id, userId }, async (trx) => {
      await setActiveMembership(
        trx,
        session.id,
        target.id,
        idleExpiryForSwitch(target, session.absoluteExpiresAt, ctx.now()),
      );
      await appendAuditEvent(trx, {
        institutionId: target.institution_id,
        action: "membership.switched",
        actorUserId: userId,
        activeMembershipId: target.id,
        targetType: "membership",
        targetId: target.id,
        before: { membershipId: session.membership?.id ?? null, role: session.membership?.role ?? null },
        after: { membershipId: target.id, role: target.role },
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
    });
    return toSessionView({ ...session, membership: target });
  }),

  /** Where the signed-in person is signed in. */
  sessions: authedProcedure.query(async ({ ctx }) => {
    const sessions = await listUserSessions(ctx.db, ctx.session.user.id);
    return sessions.map((session) => ({
      current: session.id === ctx.session.id,
      createdAt: session.created_at.toISOString(),
      expiresAt: session.absolute_expires_at.toISOString(),
      ip: session.ip,
      userAgent: session.user_agent,
    }));
  }),
});
