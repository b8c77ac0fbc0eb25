import { clientGroupIdInput, createClientGroupInput, renameClientGroupInput } from "@learnops/contracts/administration";
import { findClientGroup, listClientGroups } from "@learnops/db/queries/people";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import { notFound, permittedProcedure, router } from "../trpc.ts";

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "23505";
}

export const clientGroupsRouter = router({
  list: permittedProcedure("client_groups.read").query(async ({ ctx }) =>
    (await listClientGroups(ctx.db)).map((group) => ({
      id: group.id,
      name: group.name,
      createdAt: group.created_at.toISOString(),
    })),
  ),

  create: permittedProcedure("client_groups.manage")
    .input(createClientGroupInput)
    .mutation(async ({ ctx, input }) => {
      const created = await ctx.db
        .insertInto("client_groups")
        .values({ institution_id: ctx.institutionId, name: input.name })
        .onConflict((oc) => oc.columns(["institution_id", "name"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!created)
        throw new TRPCError({ code: "CONFLICT", message: `A client group named "${input.name}" exists already` });
      await recordAction(ctx, {
        action: "client_group.created",
        targetType: "client_group",
        targetId: created.id,
        after: { name: input.name },
      });
      return { id: created.id, name: input.name };
    }),

  rename: permittedProcedure("client_groups.manage")
    .input(renameClientGroupInput)
    .mutation(async ({ ctx, input }) => {
      const group = await findClientGroup(ctx.db, input.clientGroupId);
      if (!group) throw notFound("Client group");
      await ctx.db
        .updateTable("client_groups")
        .set({ name: input.name })
        .where("id", "=", group.id)
        .execute()
        .catch((error: unknown) => {
          if (isUniqueViolation(error))
            throw new TRPCError({ code: "CONFLICT", message: `A client group named "${input.name}" exists already` });
          throw error;
        });
      await recordAction(ctx, {
        action: "client_group.renamed",
        targetType: "client_group",
        targetId: group.id,
        before: { name: group.name },
        after: { name: input.name },
      });
      return { id: group.id, name: input.name };
    }),

  /** Removes a client group nobody belongs to; members must be moved or removed first. */
  remove: permittedProcedure("client_groups.manage")
    .input(clientGroupIdInput)
    .mutation(async ({ ctx, input }) => {
      const group = await findClientGroup(ctx.db, input.clientGroupId);
      if (!group) throw notFound("Client group");
      const member = await ctx.db
        .selectFrom("memberships")
        .select("id")
        .where("client_group_id", "=", group.id)
        .limit(1)
        .executeTakeFirst();
      if (member)
        throw new TRPCError({
          code: "CONFLICT",
          message: `"${group.name}" still has members; move or remove them first`,
        });
      await ctx.db.deleteFrom("client_groups").where("id", "=", group.id).execute();
      await recordAction(ctx, {
        action: "client_group.removed",
        targetType: "client_group",
        targetId: group.id,
        before: { name: group.name },
      });
      return { removed: true };
    }),
});
