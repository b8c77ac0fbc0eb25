import { describe, expect, it } from "vitest";
import {
  defineSessionPolicy,
  evaluateSession,
  extendedIdleExpiry,
  learnerSessionPolicy,
  newSessionExpiry,
  type SessionPolicy,
  sessionPolicyForRole,
  staffSessionPolicy,
} from "./session-policy.ts";

const signedInAt = new Date("2026-03-02T08:00:00.000Z");
const minutes = (count: number) => count * 60_000;
const later = (ms: number) => new Date(signedInAt.getTime() + ms);

// Round numbers make the boundaries easy to read: 60 minutes idle, 5 hours absolute.
const policy: SessionPolicy = { idleTimeoutSeconds: 60 * 60, absoluteTimeoutSeconds: 5 * 60 * 60 };

describe("defaults", () => {
  it("keep learners and staff to 12 hours, staff idle 30 minutes, learners idle 2 hours", () => {
    expect(learnerSessionPolicy).toEqual({ idleTimeoutSeconds: 7200, absoluteTimeoutSeconds: 43_200 });
    expect(staffSessionPolicy).toEqual({ idleTimeoutSeconds: 1800, absoluteTimeoutSeconds: 43_200 });
  });

  it("give the staff policy to every role that sees other people's records", () => {
    expect(sessionPolicyForRole("learner")).toBe(learnerSessionPolicy);
    for (const role of ["instructor", "course_admin", "support_agent", "client_manager", "platform_admin"] as const)
      expect(sessionPolicyForRole(role)).toBe(staffSessionPolicy);
  });
});

describe("defineSessionPolicy", () => {
  it.each([
    [{ idleTimeoutSeconds: 0, absoluteTimeoutSeconds: 60 }, "idleTimeoutSeconds must be a positive integer"],
    [{ idleTimeoutSeconds: 1.5, absoluteTimeoutSeconds: 60 }, "idleTimeoutSeconds must be a positive integer"],
    [{ idleTimeoutSeconds: 120, absoluteTimeoutSeconds: 60 }, "at least idleTimeoutSeconds (120)"],
    [{ idleTimeoutSeconds: 60, absoluteTimeoutSeconds: Number.NaN }, "absoluteTimeoutSeconds must be an integer"],
  ])("refuses %o, saying why", (candidate, message) => {
    expect(() => defineSessionPolicy(candidate)).toThrow(message);
  });
});

describe("newSessionExpiry", () => {
  it("starts a full idle window and fixes the absolute end", () => {
    expect(newSessionExpiry(policy, signedInAt)).toEqual({
      idleExpiresAt: later(minutes(60)),
      absoluteExpiresAt: later(minutes(300)),
    });
  });

  it("never lets the idle end pass the absolute end", () => {
    const expiry = newSessionExpiry({ idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 600 }, signedInAt);
    expect(expiry.idleExpiresAt).toEqual(expiry.absoluteExpiresAt);
  });
});

describe("evaluateSession", () => {
  const fresh = newSessionExpiry(policy, signedInAt);

  it("writes nothing while more than half the idle window remains", () => {
    expect(evaluateSession(fresh, policy, signedInAt)).toEqual({ state: "valid", renewTo: null });
    // Exactly half remaining is not yet "less than half".
    expect(evaluateSession(fresh, policy, later(minutes(30)))).toEqual({ state: "valid", renewTo: null });
  });

  it("renews to a full idle window once less than half remains", () => {
    const now = later(minutes(30) + 1);
    expect(evaluateSession(fresh, policy, now)).toEqual({
      state: "valid",
      renewTo: new Date(now.getTime() + minutes(60)),
    });
  });

  it("keeps a busy session alive by renewal, up to the absolute end and no further", () => {
    let expiry = fresh;
    let now = signedInAt;
    let renewals = 0;
    // A request every 10 minutes for as long as the session lasts.
    for (;;) {
      now = new Date(now.getTime() + minutes(10));
      const result = evaluateSession(expiry, policy, now);
      if (result.state === "expired") {
        expect(result.reason).toBe("absolute");
        break;
      }
      if (result.renewTo) {
        renewals += 1;
        expect(result.renewTo.getTime()).toBeLessThanOrEqual(expiry.absoluteExpiresAt.getTime());
        expiry = { ...expiry, idleExpiresAt: result.renewTo };
      }
    }
    expect(now).toEqual(fresh.absoluteExpiresAt);
    // Renewed only every third or fourth request: most requests write nothing.
    expect(renewals).toBeGreaterThan(0);
    expect(renewals).toBeLessThan(30 / 3 + 1);
  });

  it("expires an idle session at its idle end, the instant included", () => {
    expect(evaluateSession(fresh, policy, later(minutes(60) - 1)).state).toBe("valid");
    expect(evaluateSession(fresh, policy, later(minutes(60)))).toEqual({ state: "expired", reason: "idle" });
    expect(evaluateSession(fresh, policy, later(minutes(600)))).toEqual({ state: "expired", reason: "idle" });
  });

  it("expires at the absolute end even when the idle end is later (a stored row out of step)", () => {
    const expiry = { idleExpiresAt: later(minutes(400)), absoluteExpiresAt: later(minutes(300)) };
    expect(evaluateSession(expiry, policy, later(minutes(300)))).toEqual({ state: "expired", reason: "absolute" });
  });

  it("does not renew once the idle end has reached the absolute end", () => {
    const nearEnd = { idleExpiresAt: later(minutes(300)), absoluteExpiresAt: later(minutes(300)) };
    expect(evaluateSession(nearEnd, policy, later(minutes(290)))).toEqual({ state: "valid", renewTo: null });
  });

  it("renews only up to the absolute end", () => {
    const expiry = { idleExpiresAt: later(minutes(280)), absoluteExpiresAt: later(minutes(300)) };
    expect(evaluateSession(expiry, policy, later(minutes(270)))).toEqual({
      state: "valid",
      renewTo: later(minutes(300)),
    });
  });

  it("brings in an idle end issued under a longer window (learner switching to a staff role)", () => {
    const asLearner = newSessionExpiry(learnerSessionPolicy, signedInAt);
    const now = later(minutes(5));
    expect(evaluateSession(asLearner, staffSessionPolicy, now)).toEqual({
      state: "valid",
      renewTo: new Date(now.getTime() + minutes(30)),
    });
  });
});

describe("extendedIdleExpiry", () => {
  it("is a full idle window from now, capped at the absolute end", () => {
    const absolute = later(minutes(300));
    expect(extendedIdleExpiry(absolute, policy, later(minutes(10)))).toEqual(later(minutes(70)));
    expect(extendedIdleExpiry(absolute, policy, later(minutes(290)))).toEqual(absolute);
  });
});
