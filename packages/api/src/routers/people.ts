import {
  generateSecretToken,
  hashSecretToken,
  invitationExpiry,
  invitationLifetimeSeconds,
} from "@learnops/auth/session-tokens";
import {
  alignedWindowStart,
  decideAfterIncrement,
  type FixedWindowRule,
  lockoutKeyForEmail,
} from "@learnops/auth/sign-in-throttle";
import {
  addMemberInput,
  listPeopleInput,
  type PersonInInstitution,
  userIdInput,
} from "@learnops/contracts/administration";
import type { Role } from "@learnops/contracts/auth";
import type { OwnMembership } from "@learnops/db/queries/memberships";
import {
  findClientGroup,
  findOrCreateUser,
  findPersonInInstitution,
  listPeopleInInstitution,
} from "@learnops/db/queries/people";
import { deleteUserSessions } from "@learnops/db/queries/sessions";
import { countInWindow, saveSignInLockout } from "@learnops/db/queries/sign-in-guards";
import { queueEmail } from "@learnops/email/outbox";
import { invitationEmail } from "@learnops/email/templates";
import { emailDeliveryJob } from "@learnops/jobs/queues";
import { sendJob } from "@learnops/jobs/send";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import type { Context } from "../context.ts";
import type { ActiveSession } from "../sessions.ts";
import { notFound, permittedProcedure, router } from "../trpc.ts";

/** A person of the active institution, or NOT_FOUND: people of other institutions do not exist here. */
async function personHere(db: Context["db"], userId: string) {
  const person = await findPersonInInstitution(db, userId);
  if (!person) throw notFound("Person");
  return person;
}

/** A procedure's context inside the active membership's tenant transaction. */
type MemberContext = Omit<Context, "session"> & {
  session: ActiveSession;
  membership: OwnMembership;
  institutionId: string;
};

/** Where an invitation leads: the page that sets a password with a single-use token (the learner portal's). */
const choosePasswordPath = "/learn/account/reset-password";

/** Invitations sent again for one person: 3 an hour, like reset emails, so nobody's inbox can be flooded. */
const invitationsPerPersonRule: FixedWindowRule = { limit: 3, windowSeconds: 60 * 60 };

/** Whether the account may be invited: active, and no password chosen yet. */
async function awaitsPassword(db: Context["db"], userId: string): Promise<boolean> {
  const row = await db
    .selectFrom("users")
    .leftJoin("password_credentials", "password_credentials.user_id", "users.id")
    .select(["users.status", "password_credentials.user_id as credential"])
    .where("users.id", "=", userId)
    .executeTakeFirst();
  return row?.status === "active" && row.credential === null;
}

/**
 * Queues the email that lets a person choose their first password, in the procedure's transaction: it goes
 * out only if the change that called for it commits. Earlier invitations stop working, so only the newest
 * link is live. The link's token is stored only as its SHA-256.
 */
async function queueInvitation(
  ctx: MemberContext,
  person: { id: string; email: string; display_name: string },
  role: Role,
): Promise<string> {
  await ctx.db
    .deleteFrom("auth_tokens")
    .where("user_id", "=", person.id)
    .where("purpose", "=", "password_reset")
    .where("used_at", "is", null)
    .execute();
  const token = generateSecretToken();
  await ctx.db
    .insertInto("auth_tokens")
    .values({
      id: hashSecretToken(token),
      user_id: person.id,
      purpose: "password_reset",
      expires_at: invitationExpiry(ctx.now()),
    })
    .execute();
  const chooseUrl = new URL(choosePasswordPath, ctx.publicUrl);
  chooseUrl.searchParams.set("token", token);
  // The page takes on the institution's branding, as reset links from its sign-in page do.
  chooseUrl.searchParams.set("institution", ctx.membership.institution_slug);
  const message = invitationEmail({
    displayName: person.display_name,
    institutionName: ctx.membership.institution_name,
    role,
    invitedBy: ctx.session.user.displayName,
    chooseUrl: chooseUrl.toString(),
    validForMinutes: invitationLifetimeSeconds / 60,
  });
  return queueEmail(ctx.db, { kind: "invitation", userId: person.id, to: person.email, ...message }, (outboxId, trx) =>
    sendJob(ctx.jobs, emailDeliveryJob, { outboxId }, { transaction: trx }),
  );
}

export const peopleRouter = router({
  /** People of the institution; a client manager sees only their client group's. */
  list: permittedProcedure("users.read")
    .input(listPeopleInput)
    .query(async ({ ctx, input }): Promise<{ people: PersonInInstitution[]; nextAfter: string | null }> => {
      const clientGroupId = ctx.membership.role === "client_manager" ? ctx.membership.client_group_id : undefined;
      const rows = await listPeopleInInstitution(ctx.db, { ...input, limit: input.limit + 1, clientGroupId });
      const page = rows.slice(0, input.limit);
      const userIds = page.map((row) => row.id);
      const withPassword = new Set(
        userIds.length === 0
          ? []
          : (
              await ctx.db
                .selectFrom("password_credentials")
                .select("user_id")
                .where("user_id", "in", userIds)
                .execute()
            ).map((row) => row.user_id),
      );
      const lockKeys = new Map(page.map((row) => [lockoutKeyForEmail(row.email), row.id]));
      const lockedUntil = new Map(
        lockKeys.size === 0
          ? []
          : (
              await ctx.db
                .selectFrom("sign_in_lockouts")
                .select(["email_hash", "locked_until"])
                .where("email_hash", "in", [...lockKeys.keys()])
                .where("locked_until", ">", ctx.now())
                .execute()
            ).map((row) => [lockKeys.get(row.email_hash), row.locked_until?.toISOString() ?? null]),
      );
      const groupIds = [
        ...new Set(page.flatMap((row) => row.memberships.flatMap((membership) => membership.client_group_id ?? []))),
      ];
      const groupNames = new Map(
        groupIds.length === 0
          ? []
          : (await ctx.db.selectFrom("client_groups").select(["id", "name"]).where("id", "in", groupIds).execute()).map(
              (group) => [group.id, group.name],
            ),
      );
      return {
        people: page.map((row) => ({
          userId: row.id,
          email: row.email,
          displayName: row.display_name,
          accountStatus: row.status as "active" | "suspended",
          memberships: row.memberships.map((membership) => ({
            id: membership.id,
            role: membership.role as Role,
            status: membership.status as "active" | "suspended",
            clientGroupId: membership.client_group_id,
            clientGroupName: membership.client_group_id ? (groupNames.get(membership.client_group_id) ?? null) : null,
          })),
          hasPassword: withPassword.has(row.id),
          signInLockedUntil: lockedUntil.get(row.id) ?? null,
        })),
        nextAfter: rows.length > input.limit ? (page.at(-1)?.email ?? null) : null,
      };
    }),

  /** Adds a person to the institution with a role: an existing account (same email) or a new one. */
  add: permittedProcedure("users.manage")
    .input(addMemberInput)
    .mutation(async ({ ctx, input }) => {
      if (input.role === "platform_admin" && ctx.membership.role !== "platform_admin") {
        throw new TRPCError({ code: "FORBIDDEN", message: "Only a platform admin can make someone a platform admin" });
      }
      if (input.clientGroupId && !(await findClientGroup(ctx.db, input.clientGroupId))) throw notFound("Client group");
      if (input.role === "client_manager" && !input.clientGroupId) {
        throw new TRPCError({ code: "BAD_REQUEST", message: "A client manager needs a client group" });
      }
      const { user, created } = await findOrCreateUser(ctx.db, input.email, input.displayName);
      const membership = await ctx.db
        .insertInto("memberships")
        .values({
          institution_id: ctx.institutionId,
          user_id: user.id,
          role: input.role,
          client_group_id: input.clientGroupId ?? null,
        })
        .onConflict((oc) => oc.columns(["institution_id", "user_id", "role"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!membership)
        throw new TRPCError({ code: "CONFLICT", message: `${input.email} already has the ${input.role} role here` });
      // Someone added without a password cannot sign in: they get a link to choose one.
      const invitationSent = await awaitsPassword(ctx.db, user.id);
      if (invitationSent) await queueInvitation(ctx, user, input.role);
      await recordAction(ctx, {
        action: "membership.created",
        targetType: "membership",
        targetId: membership.id,
        after: {
          userId: user.id,
          role: input.role,
          clientGroupId: input.clientGroupId ?? null,
          newAccount: created,
          invitationSent,
        },
      });
      return { userId: user.id, membershipId: membership.id, newAccount: created, invitationSent };
    }),

  /**
   * Sends a person who has not chosen a password yet a fresh invitation; the earlier links stop working.
   * At most three an hour for one person.
   */
  resendInvitation: permittedProcedure("users.manage")
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const person = await personHere(ctx.db, input.userId);
      if (person.status !== "active") {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `${person.display_name}'s account is suspended: it cannot be used until it is reactivated`,
        });
      }
      if (!(await awaitsPassword(ctx.db, person.id))) {
        throw new TRPCError({
          code: "CONFLICT",
          message: `${person.display_name} has already chosen a password. If they forgot it, they can use “Forgot your password?” on the sign-in page`,
        });
      }
      const now = ctx.now();
      const count = await countInWindow(
        ctx.db,
        `invitation:user:${person.id}`,
        alignedWindowStart(invitationsPerPersonRule, now),
      );
      const decision = decideAfterIncrement(count, invitationsPerPersonRule, now);
      if (!decision.allowed) {
        const wait = Math.max(1, Math.ceil(decision.retryAfterSeconds / 60));
        ctx.responseHeaders.set("Retry-After", String(decision.retryAfterSeconds));
        throw new TRPCError({
          code: "TOO_MANY_REQUESTS",
          message: `${person.display_name} has been sent ${invitationsPerPersonRule.limit} invitations this hour. Try again in ${wait} minute${wait === 1 ? "" : "s"}`,
        });
      }
      const memberships = await ctx.db
        .selectFrom("memberships")
        .select(["role", "status"])
        .where("user_id", "=", person.id)
        .orderBy("role")
        .execute();
      const membership = memberships.find((candidate) => candidate.status === "active") ?? memberships[0];
      const outboxId = await queueInvitation(ctx, person, (membership?.role ?? "learner") as Role);
      await recordAction(ctx, {
        action: "account.invitation_resent",
        targetType: "user",
        targetId: person.id,
        after: { outboxId },
      });
      return { invitationSent: true };
    }),

  /** Lifts a sign-in lock on a person of the institution before it runs out. */
  unlock: permittedProcedure("accounts.unlock")
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const person = await personHere(ctx.db, input.userId);
      await saveSignInLockout(ctx.db, lockoutKeyForEmail(person.email), {
        failedCount: 0,
        windowStartedAt: null,
        lockedUntil: null,
      });
      await recordAction(ctx, { action: "account.unlocked", targetType: "user", targetId: person.id });
      return { unlocked: true };
    }),

  /** Suspends an account everywhere and ends all its sessions (platform admins only). */
  suspendAccount: permittedProcedure("accounts.suspend")
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const person = await personHere(ctx.db, input.userId);
      if (person.id === ctx.session.user.id)
        throw new TRPCError({ code: "BAD_REQUEST", message: "You cannot suspend your own account" });
      await ctx.db
        .updateTable("users")
        .set({ status: "suspended", updated_at: new Date() })
        .where("id", "=", person.id)
        .execute();
      const sessionsEnded = await deleteUserSessions(ctx.db, person.id);
      await recordAction(ctx, {
        action: "account.suspended",
        targetType: "user",
        targetId: person.id,
        before: { status: person.status },
        after: { status: "suspended", sessionsEnded },
      });
      return { sessionsEnded };
    }),

  reactivateAccount: permittedProcedure("accounts.suspend")
    .input(userIdInput)
    .mutation(async ({ ctx, input }) => {
      const person = await personHere(ctx.db, input.userId);
      await ctx.db
        .updateTable("users")
        .set({ status: "active", updated_at: new Date() })
        .where("id", "=", person.id)
        .execute();
      await recordAction(ctx, {
        action: "account.reactivated",
        targetType: "user",
        targetId: person.id,
        before: { status: person.status },
        after: { status: "active" },
      });
      return { reactivated: true };
    }),
});
