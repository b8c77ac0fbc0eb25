import { generateApiKey } from "@learnops/auth/api-keys";
import { apiKeyIdInput, createApiKeyInput } from "@learnops/contracts/administration";
import type { ApiKeyScope } from "@learnops/contracts/auth";
import { listApiKeys } from "@learnops/db/queries/people";
import { recordAction } from "../audit-trail.ts";
import { notFound, permittedProcedure, router } from "../trpc.ts";

/** Keys for the institution's machine clients (corporate integrations, xAPI). The secret is shown once. */
export const apiKeysRouter = router({
  list: permittedProcedure("api_keys.manage").query(async ({ ctx }) =>
    (await listApiKeys(ctx.db)).map((key) => ({
      id: key.id,
      name: key.name,
      publicId: key.public_id,
      scopes: key.scopes as ApiKeyScope[],
      createdAt: key.created_at.toISOString(),
      expiresAt: key.expires_at?.toISOString() ?? null,
      lastUsedAt: key.last_used_at?.toISOString() ?? null,
      revokedAt: key.revoked_at?.toISOString() ?? null,
    })),
  ),

  /** Creates a key and returns it in full, once: only the hash of its secret is kept. */
  create: permittedProcedure("api_keys.manage")
    .input(createApiKeyInput)
    .mutation(async ({ ctx, input }) => {
      const { key, publicId, secretHash } = generateApiKey();
      const created = await ctx.db
        .insertInto("api_keys")
        .values({
          institution_id: ctx.institutionId,
          name: input.name,
          public_id: publicId,
          secret_hash: secretHash,
          scopes: [...new Set(input.scopes)],
          created_by: ctx.session.user.id,
          expires_at: input.expiresAt ? new Date(input.expiresAt) : null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await recordAction(ctx, {
        action: "api_key.created",
        targetType: "api_key",
        targetId: created.id,
        after: { name: input.name, publicId, scopes: input.scopes },
      });
      return { id: created.id, key };
    }),

  revoke: permittedProcedure("api_keys.manage")
    .input(apiKeyIdInput)
    .mutation(async ({ ctx, input }) => {
      const revoked = await ctx.db
        .updateTable("api_keys")
        .set({ revoked_at: new Date() })
        .where("id", "=", input.apiKeyId)
        .where("revoked_at", "is", null)
        .returning(["id", "name"])
        .executeTakeFirst();
      if (!revoked) throw notFound("Active API key");
      await recordAction(ctx, {
        action: "api_key.revoked",
        targetType: "api_key",
        targetId: revoked.id,
        before: { name: revoked.name },
      });
      return { revoked: true };
    }),
});
