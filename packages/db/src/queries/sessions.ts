import { type Insertable, sql } from "kysely";
import type { Database } from "../client.ts";
import type { Sessions } from "../schema.ts";
import type { OwnMembership } from "./memberships.ts";

export function insertSession(db: Database, session: Insertable<Sessions>) {
  return db.insertInto("sessions").values(session).execute();
}

/** A session and its person, by the SHA-256 of the token the browser presented. */
export interface FoundSession {
  id: string;
  user_id: string;
  active_membership_id: string | null;
  acting_as_user_id: string | null;
  acting_as_reason: string | null;
  acting_as_expires_at: Date | null;
  created_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
  /** Set when an institution's identity provider signed the person in: the session acts only there. */
  saml_institution_id: string | null;
  email: string;
  display_name: string;
  status: string;
}

type Stamped<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] extends Date ? string : string | null };

/**
 * The session a token's hash names, its person, and its active membership (whatever that membership's status)
 * with the institution's branding: one call of `session_lookup`, made on every request with a cookie.
 */
export async function findSessionWithMembership(
  db: Database,
  id: string,
): Promise<{ session: FoundSession; membership: OwnMembership | null } | null> {
  const { rows } = await sql<{
    found: {
      session: Stamped<FoundSession, "acting_as_expires_at" | "created_at" | "idle_expires_at" | "absolute_expires_at">;
      membership: OwnMembership | null;
    } | null;
  }>`select session_lookup(${id}) as found`.execute(db);
  const found = rows[0]?.found;
  if (!found) return null;
  const { session } = found;
  return {
    session: {
      ...session,
      acting_as_expires_at: session.acting_as_expires_at === null ? null : new Date(session.acting_as_expires_at),
      created_at: new Date(session.created_at),
      idle_expires_at: new Date(session.idle_expires_at),
      absolute_expires_at: new Date(session.absolute_expires_at),
    },
    membership: found.membership,
  };
}

export function renewSession(db: Database, id: string, idleExpiresAt: Date) {
  return db.updateTable("sessions").set({ idle_expires_at: idleExpiresAt }).where("id", "=", id).execute();
}

export function setActiveMembership(db: Database, id: string, membershipId: string, idleExpiresAt: Date) {
  return db
    .updateTable("sessions")
    .set({ active_membership_id: membershipId, idle_expires_at: idleExpiresAt })
    .where("id", "=", id)
    .execute();
}

export function deleteSession(db: Database, id: string) {
  return db.deleteFrom("sessions").where("id", "=", id).execute();
}

/** Ends every session of a person (sign out everywhere, password change, suspension); returns how many. */
export async function deleteUserSessions(db: Database, userId: string): Promise<number> {
  const result = await db.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function listUserSessions(db: Database, userId: string) {
  return db
    .selectFrom("sessions")
    .select(["id", "created_at", "idle_expires_at", "absolute_expires_at", "ip", "user_agent"])
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .execute();
}

/** Starts acting as another person in this session (support), until `expiresAt`. */
export function startActingAs(db: Database, id: string, params: { userId: string; reason: string; expiresAt: Date }) {
  return db
    .updateTable("sessions")
    .set({ acting_as_user_id: params.userId, acting_as_reason: params.reason, acting_as_expires_at: params.expiresAt })
    .where("id", "=", id)
    .execute();
}

export function stopActingAs(db: Database, id: string) {
  return db
    .updateTable("sessions")
    .set({ acting_as_user_id: null, acting_as_reason: null, acting_as_expires_at: null })
    .where("id", "=", id)
    .execute();
}

/**
 * Ends the sessions an identity provider's logout request names: its NameID's sessions from that identity
 * provider, limited to the given SessionIndexes when it names any. Returns how many ended.
 */
export async function deleteSamlSessions(
  db: Database,
  params: { identityProviderId: string; nameId: string; sessionIndexes: readonly string[] },
): Promise<number> {
  let query = db
    .deleteFrom("sessions")
    .where("saml_identity_provider_id", "=", params.identityProviderId)
    .where("saml_name_id", "=", params.nameId);
  if (params.sessionIndexes.length) query = query.where("saml_session_index", "in", [...params.sessionIndexes]);
  const deleted = await query.returning("id").execute();
  return deleted.length;
}

/** What SP-initiated single logout needs of a session: its identity provider and how it knows the session. */
export function findSamlSessionDetails(db: Database, id: string) {
  return db
    .selectFrom("sessions")
    .select(["user_id", "saml_institution_id", "saml_identity_provider_id", "saml_name_id", "saml_session_index"])
    .where("id", "=", id)
    .executeTakeFirst();
}
