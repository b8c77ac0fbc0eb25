import type { ServiceProviderKey, ServiceProviderKeyring } from "@learnops/auth/saml/service-provider";
import { generateServiceProviderKeyPair } from "@learnops/auth/saml/service-provider-keys";
import type { Database } from "@learnops/db/client";
import { insertServiceProviderKey, keysForUse } from "@learnops/db/queries/saml-service-provider-keys";

// The keyring of an institution's service provider, read inside its tenant scope. An institution that has
// never had a key gets one the first time anything needs it (its metadata, a sign-in): no step to forget,
// and two API instances racing to create it end with one (the unique index on the current key).

/** How long a replaced key still decrypts assertions: IdPs that cached the old metadata have time to refresh. */
export const previousKeyGraceDays = 14;

export function newServiceProviderKey(params: { entityId: string; now: Date }) {
  return generateServiceProviderKeyPair({ commonName: params.entityId, now: params.now });
}

export async function serviceProviderKeyring(
  trx: Database,
  params: { institutionId: string; entityId: string; now: Date },
): Promise<ServiceProviderKeyring> {
  let rows = await keysForUse(trx, params.now);
  if (!rows.some((row) => row.status === "current")) {
    const pair = newServiceProviderKey(params);
    await insertServiceProviderKey(trx, {
      ...pair,
      institutionId: params.institutionId,
      status: "current",
      now: params.now,
    });
    rows = await keysForUse(trx, params.now);
  }
  const key = (status: string): ServiceProviderKey | null => {
    const row = rows.find((candidate) => candidate.status === status);
    return row?.private_key ? { privateKey: row.private_key, certificate: row.certificate } : null;
  };
  const current = key("current");
  if (!current) throw new Error("the institution has no current service-provider key");
  const next = key("next");
  const previous = rows
    .filter((row) => row.status === "previous" && row.private_key)
    .map((row) => ({ privateKey: row.private_key ?? "", certificate: row.certificate }));
  return { current, next, decryption: [current, ...(next ? [next] : []), ...previous] };
}
