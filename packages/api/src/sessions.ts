import {
  evaluateSession,
  learnerSessionPolicy,
  newSessionExpiry,
  type SessionPolicy,
  sessionPolicyForRole,
} from "@learnops/auth/session-policy";
import { generateSessionToken, sessionIdFromToken } from "@learnops/auth/session-tokens";
import type { Role } from "@learnops/contracts/auth";
import type { Database } from "@learnops/db/client";
import { listOwnMemberships, type OwnMembership } from "@learnops/db/queries/memberships";
import {
  deleteSession,
  findSessionWithMembership,
  insertSession,
  renewSession,
  stopActingAs,
} from "@learnops/db/queries/sessions";
import { findUserById } from "@learnops/db/queries/users";
import { withUser } from "@learnops/db/tenancy";
import type { AccessCache } from "./access-cache.ts";

export interface SessionPerson {
  id: string;
  email: string;
  displayName: string;
}

/** The signed-in person a request acts for, and the membership (institution and role) they act in. */
export interface ActiveSession {
  id: string;
  /** Whom the request acts for: the signed-in person, or the person support is acting as. */
  user: SessionPerson;
  /** Null until the person has a membership to act in. */
  membership: OwnMembership | null;
  absoluteExpiresAt: Date;
  /**
   * Set when an institution's identity provider signed the person in (SAML): the session acts only in that
   * institution, whatever memberships the account holds elsewhere.
   */
  samlInstitutionId: string | null;
  /** Set while a support agent or platform admin acts as `user`: who really acts, why, until when. */
  actingAs: { realUser: SessionPerson; realMembership: OwnMembership; reason: string; expiresAt: Date } | null;
}

/** A person with no membership yet gets the stricter of the two policies' idle windows: the learner's. */
function policyFor(membership: OwnMembership | null): SessionPolicy {
  return membership ? sessionPolicyForRole(membership.role as Role) : learnerSessionPolicy;
}

/**
 * The session a presented token stands for, or null. Expired sessions and those of suspended people are
 * deleted on sight; a session used in the second half of its idle window is extended (sliding renewal),
 * so most requests write nothing. With a cache, the lookup may come from memory, but the verdict is
 * reached afresh against `now` on every request, and whatever is written here is forgotten at once.
 */
export async function resolveSession(
  db: Database,
  token: string,
  now: Date,
  cache: AccessCache | null = null,
): Promise<ActiveSession | null> {
  const id = sessionIdFromToken(token);
  const found = cache
    ? await cache.session(id, () => findSessionWithMembership(db, id))
    : await findSessionWithMembership(db, id);
  if (!found) return null;
  const row = found.session;
  if (row.status !== "active") {
    await deleteSession(db, id);
    cache?.forgetSession(id);
    return null;
  }
  const membership = found.membership?.status === "active" ? found.membership : null;

  const verdict = evaluateSession(
    { idleExpiresAt: row.idle_expires_at, absoluteExpiresAt: row.absolute_expires_at },
    policyFor(membership),
    now,
  );
  if (verdict.state === "expired") {
    await deleteSession(db, id);
    cache?.forgetSession(id);
    return null;
  }
  if (verdict.renewTo) {
    await renewSession(db, id, verdict.renewTo);
    cache?.forgetSession(id);
  }
  const signedIn = {
    id,
    user: { id: row.user_id, email: row.email, displayName: row.display_name },
    membership,
    absoluteExpiresAt: row.absolute_expires_at,
    samlInstitutionId: row.saml_institution_id,
    actingAs: null,
  };

  if (!row.acting_as_user_id || !row.acting_as_expires_at || !membership) return signedIn;
  const actedAs =
    row.acting_as_expires_at > now
      ? await findActedAsPerson(db, row.acting_as_user_id, membership.institution_id)
      : null;
  if (!actedAs) {
    // The time ran out, or the person lost their membership here: back to acting as oneself.
    await stopActingAs(db, id);
    cache?.forgetSession(id);
    return signedIn;
  }
  return {
    ...signedIn,
    user: actedAs.person,
    membership: actedAs.membership,
    actingAs: {
      realUser: signedIn.user,
      realMembership: membership,
      reason: row.acting_as_reason ?? "",
      expiresAt: row.acting_as_expires_at,
    },
  };
}

/** The person being acted as, with their active membership in the institution support acts from. */
async function findActedAsPerson(db: Database, userId: string, institutionId: string) {
  const person = await findUserById(db, userId);
  if (person?.status !== "active") return null;
  const memberships = await withUser(db, userId, (trx) => listOwnMemberships(trx, userId));
  const membership = memberships.find(
    (candidate) => candidate.institution_id === institutionId && candidate.status === "active",
  );
  if (!membership) return null;
  return { person: { id: person.id, email: person.email, displayName: person.display_name }, membership };
}

export interface NewSession {
  token: string;
  absoluteExpiresAt: Date;
}

/** Starts a session for a person who has just proved who they are; only the token's hash is stored. */
export async function startSession(
  db: Database,
  params: {
    userId: string;
    membership: OwnMembership | null;
    ip: string | null;
    userAgent: string | null;
    /** For a SAML sign-in: the identity provider, and how it knows the session (for single logout). */
    saml?: { institutionId: string; identityProviderId: string; nameId: string; sessionIndex: string | null };
  },
  now: Date,
): Promise<NewSession> {
  const token = generateSessionToken();
  const expiry = newSessionExpiry(policyFor(params.membership), now);
  await insertSession(db, {
    id: sessionIdFromToken(token),
    user_id: params.userId,
    active_membership_id: params.membership?.id ?? null,
    idle_expires_at: expiry.idleExpiresAt,
    absolute_expires_at: expiry.absoluteExpiresAt,
    ip: params.ip,
    user_agent: params.userAgent?.slice(0, 500) ?? null,
    saml_institution_id: params.saml?.institutionId ?? null,
    saml_identity_provider_id: params.saml?.identityProviderId ?? null,
    saml_name_id: params.saml?.nameId ?? null,
    saml_session_index: params.saml?.sessionIndex ?? null,
  });
  return { token, absoluteExpiresAt: expiry.absoluteExpiresAt };
}

/** The idle expiry a session gets when it switches to a membership with this role. */
export function idleExpiryForSwitch(membership: OwnMembership, absoluteExpiresAt: Date, now: Date): Date {
  const { idleExpiresAt } = newSessionExpiry(policyFor(membership), now);
  return idleExpiresAt < absoluteExpiresAt ? idleExpiresAt : absoluteExpiresAt;
}
