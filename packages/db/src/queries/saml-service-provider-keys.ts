import { sql } from "kysely";
import type { Database } from "../client.ts";

// The key pairs of an institution's SAML service provider, always inside `withTenant` (row-level security
// keeps each institution to its own keys). Private keys are read only by `keysForUse`, for signing and
// decryption on the server; every other query leaves them out.

/** The columns anyone may see: never the private key. */
const publicColumns = [
  "id",
  "status",
  "certificate",
  "fingerprint_sha256",
  "not_after",
  "created_at",
  "activated_at",
  "decrypts_until",
  "retired_at",
] as const;

export type ServiceProviderKeyStatus = "next" | "current" | "previous" | "retired";

export function listServiceProviderKeys(db: Database) {
  return db
    .selectFrom("saml_service_provider_keys")
    .select(publicColumns)
    .orderBy(sql`array_position(array['next', 'current', 'previous', 'retired'], status)`)
    .orderBy("created_at", "desc")
    .execute();
}

export type ServiceProviderKeyRow = Awaited<ReturnType<typeof listServiceProviderKeys>>[number];

/** The keys still in use, with their private keys: next, current, and previous ones within their grace period. */
export function keysForUse(db: Database, now: Date) {
  return db
    .selectFrom("saml_service_provider_keys")
    .select(["id", "status", "private_key", "certificate"])
    .where((eb) =>
      eb.or([
        eb("status", "in", ["next", "current"]),
        eb.and([eb("status", "=", "previous"), eb("decrypts_until", ">", now)]),
      ]),
    )
    .execute();
}

/**
 * The current and next keys, as the renewal notice judges them, with the step the current one was last emailed
 * about. The current key's row is locked: two workers judging the same institution send each step once.
 */
export function keysForRenewalNotice(db: Database) {
  return db
    .selectFrom("saml_service_provider_keys")
    .select(["id", "status", "not_after", "renewal_notice"])
    .where("status", "in", ["current", "next"])
    .forUpdate()
    .execute();
}

/** Records the step the key's holders were emailed about (see `keysForRenewalNotice`). */
export async function recordRenewalNotice(
  db: Database,
  params: { keyId: string; step: "prepare" | "switch" | "expired" },
): Promise<void> {
  await db
    .updateTable("saml_service_provider_keys")
    .set({ renewal_notice: params.step })
    .where("id", "=", params.keyId)
    .execute();
}

/** Stores a new key as the institution's current or next one; false when it already has one in that place. */
export async function insertServiceProviderKey(
  db: Database,
  values: {
    institutionId: string;
    status: "current" | "next";
    privateKey: string;
    certificate: string;
    fingerprintSha256: string;
    notAfter: Date;
    now: Date;
  },
): Promise<{ id: string } | undefined> {
  return db
    .insertInto("saml_service_provider_keys")
    .values({
      institution_id: values.institutionId,
      status: values.status,
      private_key: values.privateKey,
      certificate: values.certificate,
      fingerprint_sha256: values.fingerprintSha256,
      not_after: values.notAfter,
      created_at: values.now,
      activated_at: values.status === "current" ? values.now : null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning("id")
    .executeTakeFirst();
}

/**
 * Makes the next key current. The current one becomes previous and still decrypts until `decryptsUntil`;
 * a previous key from an earlier rotation is retired (its private key erased). Answers the ids involved, or
 * undefined when there is no next key.
 */
export async function activateNextServiceProviderKey(
  db: Database,
  params: { now: Date; decryptsUntil: Date },
): Promise<{ activatedId: string; previousId: string | null; retiredIds: string[] } | undefined> {
  const next = await db
    .selectFrom("saml_service_provider_keys")
    .select("id")
    .where("status", "=", "next")
    .forUpdate()
    .executeTakeFirst();
  if (!next) return undefined;
  const retired = await db
    .updateTable("saml_service_provider_keys")
    .set({ status: "retired", private_key: null, retired_at: params.now })
    .where("status", "=", "previous")
    .returning("id")
    .execute();
  const previous = await db
    .updateTable("saml_service_provider_keys")
    .set({ status: "previous", decrypts_until: params.decryptsUntil })
    .where("status", "=", "current")
    .returning("id")
    .executeTakeFirst();
  await db
    .updateTable("saml_service_provider_keys")
    .set({ status: "current", activated_at: params.now })
    .where("id", "=", next.id)
    .execute();
  return { activatedId: next.id, previousId: previous?.id ?? null, retiredIds: retired.map((row) => row.id) };
}

/**
 * Retires a key that is no longer current: a previous one (ending its grace period at once) or a next one
 * never activated. Its private key is erased. Answers its former status, or undefined when there is no such
 * key or it is current (the current key is only replaced by activating the next).
 */
export async function retireServiceProviderKey(
  db: Database,
  params: { id: string; now: Date },
): Promise<{ formerStatus: ServiceProviderKeyStatus } | undefined> {
  const key = await db
    .selectFrom("saml_service_provider_keys")
    .select(["id", "status"])
    .where("id", "=", params.id)
    .where("status", "in", ["next", "previous"])
    .forUpdate()
    .executeTakeFirst();
  if (!key) return undefined;
  await db
    .updateTable("saml_service_provider_keys")
    .set({ status: "retired", private_key: null, retired_at: params.now })
    .where("id", "=", key.id)
    .execute();
  return { formerStatus: key.status as ServiceProviderKeyStatus };
}
