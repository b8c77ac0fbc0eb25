import { describe, expect, it } from "vitest";
import {
  type AccountLockoutPolicy,
  type AccountLockoutState,
  alignedWindowStart,
  decideAfterIncrement,
  defaultAccountLockoutPolicy,
  defineAccountLockoutPolicy,
  type FixedWindowState,
  fixedWindowLimit,
  isLocked,
  lockoutKeyForEmail,
  passwordResetPerEmailRule,
  passwordResetPerIpRule,
  recordFailure,
  recordSuccess,
  signInPerIpRule,
  worstCaseFailuresPerHour,
} from "./sign-in-throttle.ts";

const start = new Date("2026-03-02T08:00:00.000Z");
const seconds = (count: number) => new Date(start.getTime() + count * 1000);
const policy = defaultAccountLockoutPolicy;

/** `count` failures one second apart from `from`, starting from a clean account. */
function failures(count: number, from = start, state: AccountLockoutState = recordSuccess()): AccountLockoutState {
  let current = state;
  for (let index = 0; index < count; index += 1)
    current = recordFailure(current, policy, new Date(from.getTime() + index * 1000));
  return current;
}

describe("defaultAccountLockoutPolicy", () => {
  it("locks for 15 minutes after 10 failures in an hour, letting at most 50 guesses an hour through", () => {
    expect(defaultAccountLockoutPolicy).toEqual({ maxFailures: 10, windowSeconds: 3600, lockSeconds: 900 });
    expect(worstCaseFailuresPerHour(defaultAccountLockoutPolicy)).toBe(50);
  });
});

describe("defineAccountLockoutPolicy", () => {
  it("accepts a policy at the ceiling", () => {
    expect(() => defineAccountLockoutPolicy({ maxFailures: 50, windowSeconds: 3600, lockSeconds: 3600 })).not.toThrow();
  });

  it.each<[AccountLockoutPolicy, string]>([
    [{ maxFailures: 101, windowSeconds: 3600, lockSeconds: 86_400 }, "allows up to 202"],
    [{ maxFailures: 100, windowSeconds: 3600, lockSeconds: 3600 }, "at most 100 failed sign-ins an hour"],
    // Few failures per window, but short windows: 5 × (60 + 1) a rolling hour.
    [{ maxFailures: 5, windowSeconds: 60, lockSeconds: 900 }, "allows up to 305"],
    [{ maxFailures: 0, windowSeconds: 3600, lockSeconds: 900 }, "maxFailures must be a positive integer"],
    [{ maxFailures: 10, windowSeconds: -1, lockSeconds: 900 }, "windowSeconds must be a positive integer"],
    [{ maxFailures: 10, windowSeconds: 3600, lockSeconds: 1.5 }, "lockSeconds must be a positive integer"],
  ])("refuses %o, saying why", (candidate, message) => {
    expect(() => defineAccountLockoutPolicy(candidate)).toThrow(message);
  });

  it("is also enforced when a failure is recorded", () => {
    expect(() =>
      recordFailure(recordSuccess(), { maxFailures: 500, windowSeconds: 3600, lockSeconds: 60 }, start),
    ).toThrow(/at most 100/);
  });
});

describe("account lockout", () => {
  it("counts failures within the window without locking below the limit", () => {
    const state = failures(9);
    expect(state).toEqual({ failedCount: 9, windowStartedAt: start, lockedUntil: null });
    expect(isLocked(state, seconds(9))).toEqual({ locked: false, retryAfterSeconds: 0 });
  });

  it("locks at the 10th failure for 15 minutes, then lets the person try again", () => {
    const state = failures(10);
    // The 10th failure happened at +9 s.
    expect(state.lockedUntil).toEqual(seconds(9 + 900));
    expect(isLocked(state, seconds(10))).toEqual({ locked: true, retryAfterSeconds: 899 });
    expect(isLocked(state, seconds(9 + 899.5))).toEqual({ locked: true, retryAfterSeconds: 1 });
    expect(isLocked(state, seconds(9 + 900))).toEqual({ locked: false, retryAfterSeconds: 0 });
  });

  it("does not extend a lock when failures are recorded during it", () => {
    const locked = failures(10);
    const during = recordFailure(locked, policy, seconds(600));
    expect(during).toEqual(locked);
    expect(during).not.toBe(locked);
  });

  it("counts afresh after a lock runs out, even inside the old window", () => {
    const afterLock = recordFailure(failures(10), policy, seconds(1000));
    expect(afterLock).toEqual({ failedCount: 1, windowStartedAt: seconds(1000), lockedUntil: null });
  });

  it("forgets failures once their window has passed", () => {
    const old = failures(9);
    expect(recordFailure(old, policy, seconds(3599))).toMatchObject({ failedCount: 10 });
    expect(recordFailure(old, policy, seconds(3600))).toEqual({
      failedCount: 1,
      windowStartedAt: seconds(3600),
      lockedUntil: null,
    });
  });

  it("is cleared by a successful sign-in", () => {
    expect(recordSuccess()).toEqual({ failedCount: 0, windowStartedAt: null, lockedUntil: null });
    expect(isLocked(recordSuccess(), start).locked).toBe(false);
  });

  it("never lets more guesses through in an hour than worstCaseFailuresPerHour promises", () => {
    // An attacker who guesses whenever the account is not locked, once a second.
    let state = recordSuccess();
    const attempts: number[] = [];
    for (let second = 0; second < 4 * 3600; second += 1) {
      const now = seconds(second);
      if (isLocked(state, now).locked) continue;
      attempts.push(second);
      state = recordFailure(state, policy, now);
    }
    let worst = 0;
    for (let first = 0; first < attempts.length; first += 1) {
      const from = attempts[first] ?? 0;
      let inHour = 0;
      for (let next = first; next < attempts.length && (attempts[next] ?? 0) < from + 3600; next += 1) inHour += 1;
      worst = Math.max(worst, inHour);
    }
    expect(worst).toBeGreaterThan(policy.maxFailures);
    expect(worst).toBeLessThanOrEqual(worstCaseFailuresPerHour(policy));
  });
});

describe("fixedWindowLimit", () => {
  const rule = { limit: 3, windowSeconds: 60 };
  const empty: FixedWindowState = { count: 0, windowStartedAt: null };

  it("allows up to the limit in a window, then refuses until it ends", () => {
    let state = empty;
    for (const second of [0, 1, 2]) {
      const decision = fixedWindowLimit(state, rule, seconds(second));
      expect(decision.allowed).toBe(true);
      expect(decision.retryAfterSeconds).toBe(0);
      state = decision.next;
    }
    expect(state).toEqual({ count: 3, windowStartedAt: start });
    const refused = fixedWindowLimit(state, rule, seconds(10));
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 50, next: state });
    expect(fixedWindowLimit(state, rule, seconds(59.2)).retryAfterSeconds).toBe(1);
    expect(fixedWindowLimit(state, rule, seconds(60))).toEqual({
      allowed: true,
      retryAfterSeconds: 0,
      next: { count: 1, windowStartedAt: seconds(60) },
    });
  });

  it("starts a window on the first request ever", () => {
    expect(fixedWindowLimit(empty, rule, start)).toEqual({
      allowed: true,
      retryAfterSeconds: 0,
      next: { count: 1, windowStartedAt: start },
    });
  });

  it("refuses a malformed rule", () => {
    expect(() => fixedWindowLimit(empty, { limit: 0, windowSeconds: 60 }, start)).toThrow(/limit must be a positive/);
    expect(() => fixedWindowLimit(empty, { limit: 1, windowSeconds: 0 }, start)).toThrow(/windowSeconds must be/);
  });

  it("has sane suggested rules for authentication routes", () => {
    for (const suggested of [signInPerIpRule, passwordResetPerEmailRule, passwordResetPerIpRule])
      expect(fixedWindowLimit(empty, suggested, start).allowed).toBe(true);
    // A class of 40 behind one NAT address can all sign in within the same minute.
    expect(signInPerIpRule.limit).toBeGreaterThanOrEqual(40);
  });
});

describe("aligned windows counted in the database", () => {
  const rule = { limit: 3, windowSeconds: 300 };

  it("gives every instance the same window for the same moment", () => {
    expect(alignedWindowStart(rule, new Date("2026-03-02T08:04:59.999Z"))).toEqual(start);
    expect(alignedWindowStart(rule, start)).toEqual(start);
    expect(alignedWindowStart(rule, new Date("2026-03-02T08:05:00.000Z"))).toEqual(seconds(300));
  });

  it("allows up to the limit, then says how long until the window ends", () => {
    const now = seconds(200);
    expect(decideAfterIncrement(1, rule, now)).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(decideAfterIncrement(3, rule, now)).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(decideAfterIncrement(4, rule, now)).toEqual({ allowed: false, retryAfterSeconds: 100 });
    expect(decideAfterIncrement(40, rule, seconds(299.5))).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("refuses a malformed rule", () => {
    expect(() => alignedWindowStart({ limit: 3, windowSeconds: 0 }, start)).toThrow(/windowSeconds/);
    expect(() => decideAfterIncrement(1, { limit: -1, windowSeconds: 60 }, start)).toThrow(/limit/);
  });
});

describe("lockoutKeyForEmail", () => {
  it("is a stable SHA-256 that does not contain the address", () => {
    const key = lockoutKeyForEmail("ada@example.org");
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).toBe(lockoutKeyForEmail("ada@example.org"));
    expect(key).not.toBe(lockoutKeyForEmail("bob@example.org"));
  });
});
