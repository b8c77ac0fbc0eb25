import { generateApiKey } from "@learnops/auth/api-keys";
import type { Database } from "@learnops/db/client";

/**
 * Issues an API key straight into `api_keys` (as the database owner, or inside the institution's tenant
 * scope), as `apiKeys.create` stores one: tests and benchmarks that need a machine client's key. Returns the
 * full key, to send as `Authorization: Bearer …`, and the row's id and public id.
 */
export async function issueApiKey(
  db: Database,
  values: {
    institutionId: string;
    scopes: string[];
    name?: string;
    revokedAt?: Date | null;
    expiresAt?: Date | null;
  },
): Promise<{ key: string; id: string; publicId: string }> {
  const { key, publicId, secretHash } = generateApiKey();
  const { id } = await db
    .insertInto("api_keys")
    .values({
      institution_id: values.institutionId,
      name: values.name ?? "Test client",
      public_id: publicId,
      secret_hash: secretHash,
      scopes: values.scopes,
      revoked_at: values.revokedAt ?? null,
      expires_at: values.expiresAt ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { key, id, publicId };
}
