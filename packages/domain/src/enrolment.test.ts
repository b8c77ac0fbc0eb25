import { enrolmentAction, enrolmentStatus } from "@learnops/contracts/enrolment";
import { describe, expect, it } from "vitest";
import { cohortHasRoom, defaultExpiry, enrolmentActionsFrom, enrolmentTransition } from "./enrolment.ts";

describe("enrolmentActionsFrom", () => {
  it("offers exactly the actions enrolmentTransition allows, for every status", () => {
    for (const status of enrolmentStatus.options) {
      const allowed = enrolmentAction.options.filter((action) => enrolmentTransition(status, action).ok);
      expect(enrolmentActionsFrom(status), status).toEqual(allowed);
    }
    expect(enrolmentActionsFrom("active")).toEqual(["suspend", "cancel", "extend", "transfer", "reassign"]);
    expect(enrolmentActionsFrom("cancelled")).toEqual([]);
  });
});

describe("enrolmentTransition", () => {
  it("suspends, reinstates and cancels live enrolments", () => {
    expect(enrolmentTransition("active", "suspend")).toEqual({ ok: true, status: "suspended" });
    expect(enrolmentTransition("suspended", "reinstate")).toEqual({ ok: true, status: "active" });
    expect(enrolmentTransition("review_required", "reinstate")).toEqual({ ok: true, status: "active" });
    expect(enrolmentTransition("pending", "cancel")).toEqual({ ok: true, status: "cancelled" });
  });

  it("makes an expired enrolment active again when it is extended, and keeps other statuses", () => {
    expect(enrolmentTransition("expired", "extend")).toEqual({ ok: true, status: "active" });
    expect(enrolmentTransition("completed", "extend")).toEqual({ ok: true, status: "completed" });
    expect(enrolmentTransition("suspended", "transfer")).toEqual({ ok: true, status: "suspended" });
  });

  it("refuses actions that do not apply, saying why", () => {
    expect(enrolmentTransition("cancelled", "suspend")).toEqual({
      ok: false,
      reason: "An enrolment that is cancelled cannot be suspended",
    });
    expect(enrolmentTransition("active", "reinstate").ok).toBe(false);
    expect(enrolmentTransition("completed", "transfer")).toEqual({
      ok: false,
      reason: "An enrolment that is completed cannot be moved to another cohort",
    });
    expect(enrolmentTransition("review_required", "extend")).toEqual({
      ok: false,
      reason: "An enrolment that is review required cannot be extended",
    });
  });
});

describe("defaultExpiry and cohortHasRoom", () => {
  const now = new Date("2027-01-01T00:00:00Z");
  it("takes the explicit expiry, else the course's access days, else none", () => {
    expect(defaultExpiry(now, 30, new Date("2027-06-01T00:00:00Z"))?.toISOString()).toBe("2027-06-01T00:00:00.000Z");
    expect(defaultExpiry(now, 30)?.toISOString()).toBe("2027-01-31T00:00:00.000Z");
    expect(defaultExpiry(now, null)).toBeNull();
  });
  it("says when a cohort is full", () => {
    expect(cohortHasRoom({ name: "Autumn", capacity: 2 }, 1)).toBeNull();
    expect(cohortHasRoom({ name: "Autumn", capacity: 2 }, 2)).toBe("Autumn is full (2 places)");
    expect(cohortHasRoom({ name: "Open", capacity: null }, 10_000)).toBeNull();
  });
});
