import { sql } from "kysely";
import type { Database } from "../client.ts";
import { withApiKeyLookup } from "../tenancy.ts";

/**
 * People with a membership in the transaction's institution (row-level security supplies it), by email,
 * a page at a time; with `clientGroupId`, only that client group's members (a client manager's view).
 */
export async function listPeopleInInstitution(
  db: Database,
  filter: { search?: string | undefined; after?: string | undefined; limit: number; clientGroupId?: string | null },
) {
  let people = db
    .selectFrom("users")
    .select(["users.id", "users.email", "users.display_name", "users.status"])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("memberships")
          .select(sql.lit(1).as("one"))
          .whereRef("memberships.user_id", "=", "users.id")
          .$if(Boolean(filter.clientGroupId), (qb) =>
            qb.where("memberships.client_group_id", "=", filter.clientGroupId ?? null),
          ),
      ),
    )
    .orderBy("users.email")
    .limit(filter.limit);
  if (filter.search) {
    const prefix = `${filter.search.toLowerCase().replaceAll(/[\\%_]/g, (c) => `\\${c}`)}%`;
    people = people.where((eb) =>
      eb.or([eb("users.email", "like", prefix), eb(sql`lower(users.display_name)`, "like", prefix)]),
    );
  }
  if (filter.after) people = people.where("users.email", ">", filter.after);
  const rows = await people.execute();
  if (rows.length === 0) return [];
  const memberships = await db
    .selectFrom("memberships")
    .select(["id", "user_id", "role", "status", "client_group_id"])
    .where(
      "user_id",
      "in",
      rows.map((row) => row.id),
    )
    .orderBy("role")
    .execute();
  return rows.map((row) => ({
    ...row,
    memberships: memberships.filter((membership) => membership.user_id === row.id),
  }));
}

/** A person with a membership in the transaction's institution (row-level security decides which). */
export function findPersonInInstitution(db: Database, userId: string) {
  return db
    .selectFrom("users")
    .select(["id", "email", "display_name", "status"])
    .where("id", "=", userId)
    .where((eb) =>
      eb.exists(eb.selectFrom("memberships").select("memberships.id").whereRef("memberships.user_id", "=", "users.id")),
    )
    .executeTakeFirst();
}

/** A membership of the transaction's institution; undefined for another institution's (RLS hides it). */
export function findMembershipById(db: Database, id: string) {
  return db.selectFrom("memberships").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The person by email, created (unverified, without a password) when unknown. */
export async function findOrCreateUser(db: Database, email: string, displayName: string) {
  const existing = await db
    .selectFrom("users")
    .select(["id", "email", "display_name"])
    .where("email", "=", email)
    .executeTakeFirst();
  if (existing) return { user: existing, created: false };
  const user = await db
    .insertInto("users")
    .values({ email, display_name: displayName })
    .returning(["id", "email", "display_name"])
    .executeTakeFirstOrThrow();
  return { user, created: true };
}

export function listClientGroups(db: Database) {
  return db.selectFrom("client_groups").select(["id", "name", "created_at"]).orderBy("name").execute();
}

export function findClientGroup(db: Database, id: string) {
  return db
    .selectFrom("client_groups")
    .select(["id", "name", "institution_id"])
    .where("id", "=", id)
    .executeTakeFirst();
}

/** An API key as authentication needs it: found by its public id, its secret compared with the stored hash. */
export interface ApiKeyCredential {
  id: string;
  institution_id: string;
  secret_hash: string;
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** The key with this public id, through the `api_key_lookup` policy (the only row it lets one read). */
export async function findApiKeyCredential(db: Database, publicId: string): Promise<ApiKeyCredential | null> {
  return (
    (await withApiKeyLookup(db, publicId, (trx) =>
      trx
        .selectFrom("api_keys")
        .select(["id", "institution_id", "secret_hash", "scopes", "expires_at", "revoked_at", "last_used_at"])
        .where("public_id", "=", publicId)
        .executeTakeFirst(),
    )) ?? null
  );
}

export function listApiKeys(db: Database) {
  return db
    .selectFrom("api_keys")
    .select(["id", "name", "public_id", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"])
    .orderBy("created_at", "desc")
    .execute();
}
