import type { Role } from "@learnops/contracts/auth";

/**
 * How long a session lives, after Lucia's design: it ends after `idleTimeoutSeconds` without use, and in
 * any case `absoluteTimeoutSeconds` after sign-in, however busy it is.
 */
export interface SessionPolicy {
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
}

/** The two expiry instants stored on a session row. */
export interface SessionExpiry {
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

/**
 * A stored session judged at one instant. `renewTo` is the new idle expiry to store, or null to write
 * nothing; `reason` says which limit ended the session, for the sign-in page's explanation.
 */
export type SessionEvaluation =
  | { state: "valid"; renewTo: Date | null }
  | { state: "expired"; reason: "idle" | "absolute" };

/** Refuses a policy that could not work, so a bad configuration fails at start-up, not at sign-in. */
export function defineSessionPolicy(policy: SessionPolicy): SessionPolicy {
  const { idleTimeoutSeconds, absoluteTimeoutSeconds } = policy;
  if (!Number.isInteger(idleTimeoutSeconds) || idleTimeoutSeconds <= 0)
    throw new RangeError(`A session policy's idleTimeoutSeconds must be a positive integer, got ${idleTimeoutSeconds}`);
  if (!Number.isInteger(absoluteTimeoutSeconds) || absoluteTimeoutSeconds < idleTimeoutSeconds)
    throw new RangeError(
      `A session policy's absoluteTimeoutSeconds must be an integer of at least idleTimeoutSeconds (${idleTimeoutSeconds}), got ${absoluteTimeoutSeconds}`,
    );
  return { idleTimeoutSeconds, absoluteTimeoutSeconds };
}

const hour = 60 * 60;

/**
 * Learners: 2 hours idle, 12 hours at most. Many learners study on shared computers (libraries, campus
 * labs, workplaces), so a forgotten session must not outlive the day: 12 hours is one study day and the
 * absolute bound NIST SP 800-63B (rev. 3) sets for AAL2. Two hours idle leaves room for a long lecture,
 * reading or exam without a request, while a session abandoned on a lab computer dies within the
 * afternoon; learners see only their own records, so the longer idle window than staff is a bounded risk.
 */
export const learnerSessionPolicy = defineSessionPolicy({
  idleTimeoutSeconds: 2 * hour,
  absoluteTimeoutSeconds: 12 * hour,
});

/**
 * Everyone who sees other people's education records (instructors, admins, support, client managers):
 * 30 minutes idle and 12 hours at most, NIST SP 800-63B (rev. 3) AAL2's bounds. An unattended staff
 * session discloses many learners' records (FERPA), so it ends sooner; the apps should warn a couple of
 * minutes before the idle end and autosave drafts (each save is a request, which renews the session).
 */
export const staffSessionPolicy = defineSessionPolicy({
  idleTimeoutSeconds: hour / 2,
  absoluteTimeoutSeconds: 12 * hour,
});

/**
 * The policy for the session's active membership. Both policies share the absolute timeout, so switching
 * role never moves the absolute expiry; a switch to a stricter idle window takes effect on the next
 * request through `evaluateSession`'s clamp.
 */
export function sessionPolicyForRole(role: Role): SessionPolicy {
  return role === "learner" ? learnerSessionPolicy : staffSessionPolicy;
}

/** Expiry of a session created at `now`. */
export function newSessionExpiry(policy: SessionPolicy, now: Date): SessionExpiry {
  const absoluteExpiresAt = new Date(now.getTime() + policy.absoluteTimeoutSeconds * 1000);
  return { idleExpiresAt: extendedIdleExpiry(absoluteExpiresAt, policy, now), absoluteExpiresAt };
}

/**
 * The idle expiry of a session used at `now`: a full idle window, but never past the absolute expiry.
 * Also what to store when a role switch changes the policy mid-session.
 */
export function extendedIdleExpiry(absoluteExpiresAt: Date, policy: SessionPolicy, now: Date): Date {
  return new Date(Math.min(now.getTime() + policy.idleTimeoutSeconds * 1000, absoluteExpiresAt.getTime()));
}

/**
 * Whether a stored session may be used at `now`, and whether its idle expiry should be pushed back.
 * It is renewed only in the second half of its idle window, so most requests write nothing; the expiry
 * instant itself already counts as expired.
 */
export function evaluateSession(expiry: SessionExpiry, policy: SessionPolicy, now: Date): SessionEvaluation {
  const at = now.getTime();
  const idleEnd = expiry.idleExpiresAt.getTime();
  const absoluteEnd = expiry.absoluteExpiresAt.getTime();
  if (at >= Math.min(idleEnd, absoluteEnd)) {
    // Report whichever limit ended the session first; an idle expiry clamped to the absolute one is absolute.
    return { state: "expired", reason: idleEnd < absoluteEnd ? "idle" : "absolute" };
  }

  const idleWindowMs = policy.idleTimeoutSeconds * 1000;
  const remainingMs = idleEnd - at;
  const renewed = extendedIdleExpiry(expiry.absoluteExpiresAt, policy, now);
  // The stored expiry reaches further than this policy allows (a switch to a staff role, a tightened
  // policy): bring it in now rather than honour the longer window it was issued under.
  if (remainingMs > idleWindowMs) return { state: "valid", renewTo: renewed };
  if (remainingMs < idleWindowMs / 2 && renewed.getTime() > idleEnd) return { state: "valid", renewTo: renewed };
  return { state: "valid", renewTo: null };
}
