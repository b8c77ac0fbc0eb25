import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";

/**
 * Pure arithmetic for slowing down password guessing; the API stores the states and applies the answers.
 * Two layers: an account lockout (guesses against one person, from anywhere) and fixed-window limits
 * (per IP, per account) on every authentication route.
 */

/**
 * What is stored per account. Keyed by normalised email rather than by user row, it also counts guesses
 * at addresses with no account, so "this account is locked" cannot reveal who has one.
 */
export interface AccountLockoutState {
  failedCount: number;
  windowStartedAt: Date | null;
  lockedUntil: Date | null;
}

export interface AccountLockoutPolicy {
  /** Failures within one window that lock the account. */
  maxFailures: number;
  /** How long failures are remembered before counting starts again. */
  windowSeconds: number;
  /** How long a lock lasts; failures are counted afresh after it. */
  lockSeconds: number;
}

/** NIST SP 800-63B: at most 100 failed attempts on one account; we hold that to any rolling hour. */
export const maxFailuresPerHourCeiling = 100;

/**
 * The most failed attempts a policy lets through in any rolling hour. Each counting period (a window, or
 * a window cut short by a lock) holds at most `maxFailures` and starts at least min(window, lock) after
 * the previous one; an hour can also catch the tail of a period begun before it, hence the `+ 1`.
 */
export function worstCaseFailuresPerHour(policy: AccountLockoutPolicy): number {
  const shortestPeriodSeconds = Math.min(policy.windowSeconds, policy.lockSeconds);
  return policy.maxFailures * (Math.ceil(3600 / shortestPeriodSeconds) + 1);
}

function assertPositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/** Refuses a policy that is malformed or lets more than 100 guesses an hour through. */
export function defineAccountLockoutPolicy(policy: AccountLockoutPolicy): AccountLockoutPolicy {
  assertPositiveInteger(policy.maxFailures, "An account lockout policy's maxFailures");
  assertPositiveInteger(policy.windowSeconds, "An account lockout policy's windowSeconds");
  assertPositiveInteger(policy.lockSeconds, "An account lockout policy's lockSeconds");
  const perHour = worstCaseFailuresPerHour(policy);
  if (perHour > maxFailuresPerHourCeiling)
    throw new RangeError(
      `An account lockout policy may let at most ${maxFailuresPerHourCeiling} failed sign-ins an hour through; ` +
        `{ maxFailures: ${policy.maxFailures}, windowSeconds: ${policy.windowSeconds}, lockSeconds: ${policy.lockSeconds} } ` +
        `allows up to ${perHour} (maxFailures × (⌈3600 / min(windowSeconds, lockSeconds)⌉ + 1)). ` +
        "Lower maxFailures or lengthen lockSeconds and windowSeconds.",
    );
  return { maxFailures: policy.maxFailures, windowSeconds: policy.windowSeconds, lockSeconds: policy.lockSeconds };
}

/**
 * 10 failures in an hour lock the account for 15 minutes: no one mistypes a password ten times an hour,
 * yet a victim of someone else's guessing waits at most 15 minutes. At most 50 guesses an hour get
 * through, half NIST's ceiling.
 */
export const defaultAccountLockoutPolicy = defineAccountLockoutPolicy({
  maxFailures: 10,
  windowSeconds: 60 * 60,
  lockSeconds: 15 * 60,
});

/** Seconds from `now` until `until`, rounded up so a client that waits that long is never early. */
function secondsUntil(until: Date, now: Date): number {
  return Math.max(0, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

export function isLocked(state: AccountLockoutState, now: Date): { locked: boolean; retryAfterSeconds: number } {
  if (state.lockedUntil && now.getTime() < state.lockedUntil.getTime())
    return { locked: true, retryAfterSeconds: secondsUntil(state.lockedUntil, now) };
  return { locked: false, retryAfterSeconds: 0 };
}

/**
 * The state after a failed sign-in. The caller checks `isLocked` first and does not even verify a
 * password while locked; a failure recorded during a lock changes nothing, so nobody can extend someone
 * else's lock indefinitely by guessing through it.
 */
export function recordFailure(
  state: AccountLockoutState,
  policy: AccountLockoutPolicy,
  now: Date,
): AccountLockoutState {
  defineAccountLockoutPolicy(policy);
  if (isLocked(state, now).locked) return { ...state };

  // After a lock has run out (any lockedUntil left here is in the past), counting starts afresh.
  const startedAt = state.windowStartedAt;
  const continuesWindow =
    startedAt !== null &&
    state.lockedUntil === null &&
    now.getTime() < startedAt.getTime() + policy.windowSeconds * 1000;
  const failedCount = continuesWindow ? state.failedCount + 1 : 1;
  const windowStartedAt = continuesWindow && startedAt !== null ? startedAt : now;
  const lockedUntil = failedCount >= policy.maxFailures ? new Date(now.getTime() + policy.lockSeconds * 1000) : null;
  return { failedCount, windowStartedAt, lockedUntil };
}

/** The state after a successful sign-in: earlier failures are forgiven. */
export function recordSuccess(): AccountLockoutState {
  return { failedCount: 0, windowStartedAt: null, lockedUntil: null };
}

/** A counter per key (an IP address, an email) and route. */
export interface FixedWindowState {
  count: number;
  windowStartedAt: Date | null;
}

export interface FixedWindowRule {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

export interface FixedWindowDecision {
  allowed: boolean;
  /** For a `Retry-After` header; 0 when allowed. */
  retryAfterSeconds: number;
  /** What to store; unchanged when refused, so refused requests do not push the window further out. */
  next: FixedWindowState;
}

/**
 * Counts a request against a fixed window. Simpler than a sliding window and good enough here: it lets
 * at most twice the limit through around a window boundary, which the rules below are sized to tolerate.
 */
export function fixedWindowLimit(state: FixedWindowState, rule: FixedWindowRule, now: Date): FixedWindowDecision {
  assertPositiveInteger(rule.limit, "A rate limit's limit");
  assertPositiveInteger(rule.windowSeconds, "A rate limit's windowSeconds");
  const startedAt = state.windowStartedAt;
  const windowEndsAtMs =
    startedAt === null ? Number.NEGATIVE_INFINITY : startedAt.getTime() + rule.windowSeconds * 1000;
  if (startedAt === null || now.getTime() >= windowEndsAtMs)
    return { allowed: true, retryAfterSeconds: 0, next: { count: 1, windowStartedAt: now } };
  if (state.count < rule.limit)
    return { allowed: true, retryAfterSeconds: 0, next: { count: state.count + 1, windowStartedAt: startedAt } };
  return {
    allowed: false,
    retryAfterSeconds: secondsUntil(new Date(windowEndsAtMs), now),
    next: { count: state.count, windowStartedAt: startedAt },
  };
}

/**
 * For counters several API instances share in the database: the window `now` falls in, aligned to the
 * epoch, so every instance names the same row without reading it first and one atomic upsert counts the
 * request (`insert … on conflict (key, window_started_at) do update set count = count + 1 returning count`).
 */
export function alignedWindowStart(rule: FixedWindowRule, now: Date): Date {
  assertPositiveInteger(rule.windowSeconds, "A rate limit's windowSeconds");
  const windowMs = rule.windowSeconds * 1000;
  return new Date(Math.floor(now.getTime() / windowMs) * windowMs);
}

/** The verdict once the aligned window's counter has been incremented and reads `count` (this request included). */
export function decideAfterIncrement(
  count: number,
  rule: FixedWindowRule,
  now: Date,
): { allowed: boolean; retryAfterSeconds: number } {
  assertPositiveInteger(rule.limit, "A rate limit's limit");
  if (count <= rule.limit) return { allowed: true, retryAfterSeconds: 0 };
  const windowEndsAt = new Date(alignedWindowStart(rule, now).getTime() + rule.windowSeconds * 1000);
  return { allowed: false, retryAfterSeconds: secondsUntil(windowEndsAt, now) };
}

/**
 * Sign-in attempts per client IP: 100 per 5 minutes. Generous on purpose, because a whole class signs in
 * at once from behind one campus or company NAT address; it stops only bulk credential stuffing, which
 * the account lockout does not see when every guess targets a different account.
 */
export const signInPerIpRule: FixedWindowRule = { limit: 100, windowSeconds: 5 * 60 };

/** Password-reset emails per address: 3 an hour, so nobody can flood a person's inbox through us. */
export const passwordResetPerEmailRule: FixedWindowRule = { limit: 3, windowSeconds: 60 * 60 };

/** Password-reset requests per client IP: 20 an hour, against probing many addresses from one place. */
export const passwordResetPerIpRule: FixedWindowRule = { limit: 20, windowSeconds: 60 * 60 };

/**
 * The key an address's lockout is stored under: its SHA-256, so that addresses with no account (which lock
 * too) are not kept in clear. Expects the normalised (trimmed, lowercased) address.
 */
export function lockoutKeyForEmail(normalisedEmail: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(`sign-in:${normalisedEmail}`)));
}
