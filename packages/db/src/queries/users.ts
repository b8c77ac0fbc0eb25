import type { Database } from "../client.ts";

/** A person as sign-in sees them: the account and its password hash, if it has one. */
export function findUserForSignIn(db: Database, email: string) {
  return db
    .selectFrom("users")
    .leftJoin("password_credentials", "password_credentials.user_id", "users.id")
    .select([
      "users.id",
      "users.email",
      "users.display_name",
      "users.status",
      "users.email_verified_at",
      "password_credentials.hash as password_hash",
    ])
    .where("users.email", "=", email)
    .executeTakeFirst();
}

export function findUserById(db: Database, id: string) {
  return db
    .selectFrom("users")
    .select(["id", "email", "display_name", "status"])
    .where("id", "=", id)
    .executeTakeFirst();
}

export function setPasswordHash(db: Database, userId: string, hash: string) {
  return db
    .insertInto("password_credentials")
    .values({ user_id: userId, hash })
    .onConflict((oc) => oc.column("user_id").doUpdateSet({ hash, updated_at: new Date() }))
    .execute();
}
