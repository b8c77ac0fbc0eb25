import { lockoutKeyForEmail } from "@learnops/auth/sign-in-throttle";
import {
  addMemberInput,
  listPeopleInput,
  type PersonInInstitution,
  userIdInput,
} from "@learnops/contracts/administration";
import type { Role } from "@learnops/contracts/auth";
import {
  findClientGroup,
  findOrCreateUser,
  findPersonInInstitution,
  listPeopleInInstitution,
} from "@learnops/db/queries/people";
import { deleteUserSessions } from "@learnops/db/queries/sessions";
import { saveSignInLockout } from "@learnops/db/queries/sign-in-guards";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import type { Context } from "../context.ts";
import { notFound, permittedProcedure, router } from "../trpc.ts";

/** A person of the active institution, or NOT_FOUND: people of other institutions do not exist here. */
async function personHere(db: Context["db"], userId: string) {
  const person = await findPersonInInstitution(db, userId);
  if (!person) throw notFound("Person");
  return person;
}

export const peopleRouter = router({
  /** People of the institution; a client manager sees only their client group's. */
  list: permittedProcedure("users.read")
    .input(listPeopleInput)
    .query(async ({ ctx, input }): Promise<{ people: PersonInInstitution[]; nextAfter: string | null }> => {
      const clientGroupId = ctx.membership.role === "client_manager" ? ctx.membership.client_group_id : undefined;
      const rows = await listPeopleInInstitution(ctx.db, { ...input, limit: input.limit + 1, clientGroupId });
      const page = rows.slice(0, input.limit);
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
          })),
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
      await recordAction(ctx, {
        action: "membership.created",
        targetType: "membership",
        targetId: membership.id,
        after: { userId: user.id, role: input.role, clientGroupId: input.clientGroupId ?? null, newAccount: created },
      });
      return { userId: user.id, membershipId: membership.id, newAccount: created };
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
