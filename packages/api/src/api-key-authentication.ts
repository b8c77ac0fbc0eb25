import { apiKeySecretMatches, hasScope, parseApiKey } from "@learnops/auth/api-keys";
import type { ApiKeyScope } from "@learnops/contracts/auth";
import type { Database } from "@learnops/db/client";
import { findApiKeyCredential } from "@learnops/db/queries/people";
import { withTenant } from "@learnops/db/tenancy";
import type { AccessCache } from "./access-cache.ts";

export type ApiKeyAuthentication =
  | { ok: true; apiKeyId: string; institutionId: string; scopes: ApiKeyScope[] }
  /** `unknown` covers malformed keys, unknown ids and wrong secrets alike: a caller learns nothing more. */
  | { ok: false; reason: "unknown" | "revoked" | "expired" | "missing_scope" };

/**
 * How stale a key's `last_used_at` may get. Recording every use would have every request of a busy client
 * (a video platform's statements) update the same row, and so wait for each other's commits.
 */
export const apiKeyUseRecordedEveryMs = 60_000;

/**
 * Authenticates a machine client by its API key (`Authorization: Bearer lo_…`) for one scope. The key is
 * found by its public id through the one row-level policy that allows it, its secret compared in constant
 * time with the stored hash; its use is recorded, to the minute (`apiKeyUseRecordedEveryMs`). The institution
 * comes from the key, never from the request. With the access cache, the key's row comes from memory, evicted
 * on every instance when it changes (a revocation, a recorded use).
 */
export async function authenticateApiKey(
  db: Database,
  presented: string,
  scope: ApiKeyScope,
  now: Date,
  accessCache: AccessCache | null = null,
): Promise<ApiKeyAuthentication> {
  const parsed = parseApiKey(presented.replace(/^Bearer /, ""));
  if (!parsed) return { ok: false, reason: "unknown" };
  const load = () => findApiKeyCredential(db, parsed.publicId);
  const key = accessCache ? await accessCache.apiKey(parsed.publicId, load) : await load();
  if (!key || !apiKeySecretMatches(parsed.secret, key.secret_hash)) return { ok: false, reason: "unknown" };
  if (key.revoked_at) return { ok: false, reason: "revoked" };
  if (key.expires_at && key.expires_at <= now) return { ok: false, reason: "expired" };
  const scopes = key.scopes as ApiKeyScope[];
  if (!hasScope(scopes, scope)) return { ok: false, reason: "missing_scope" };
  const recordedBefore = new Date(now.getTime() - apiKeyUseRecordedEveryMs);
  if (!key.last_used_at || key.last_used_at <= recordedBefore) {
    // Of requests arriving together, the first records the use; the others find it recorded and write nothing.
    await withTenant(db, { institutionId: key.institution_id }, (trx) =>
      trx
        .updateTable("api_keys")
        .set({ last_used_at: now })
        .where("id", "=", key.id)
        .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<=", recordedBefore)]))
        .execute(),
    );
  }
  return { ok: true, apiKeyId: key.id, institutionId: key.institution_id, scopes };
}
