import type { EnrolmentAction, EnrolmentStatus } from "@learnops/contracts/enrolment";

export type { EnrolmentAction };

/** The statuses each action staff can take on an enrolment may start from. */
const allowedFrom: Record<EnrolmentAction, readonly EnrolmentStatus[]> = {
  suspend: ["pending", "active", "review_required"],
  // Back to active from a suspension, or once a review finds the enrolment sound.
  reinstate: ["suspended", "review_required"],
  cancel: ["pending", "active", "suspended", "review_required"],
  // A new expiry for an enrolment still running, one that ran out, or a completed learner's reading access.
  extend: ["active", "expired", "completed"],
  transfer: ["pending", "active", "suspended", "review_required"],
  reassign: ["pending", "active", "suspended", "review_required"],
};

const resultingStatus: Partial<Record<EnrolmentAction, EnrolmentStatus>> = {
  suspend: "suspended",
  reinstate: "active",
  cancel: "cancelled",
};

const actionWords: Record<EnrolmentAction, string> = {
  suspend: "suspended",
  reinstate: "reinstated",
  cancel: "cancelled",
  extend: "extended",
  transfer: "moved to another cohort",
  reassign: "moved to another course",
};

/** The actions staff can take on an enrolment in this status, in the console's order. */
export function enrolmentActionsFrom(status: EnrolmentStatus): EnrolmentAction[] {
  return (Object.keys(allowedFrom) as EnrolmentAction[]).filter((action) => allowedFrom[action].includes(status));
}

/**
 * The status an enrolment gets from an action, or why the action does not apply. Extending an expired
 * enrolment makes it active again; other actions keep the status.
 */
export function enrolmentTransition(
  from: EnrolmentStatus,
  action: EnrolmentAction,
): { ok: true; status: EnrolmentStatus } | { ok: false; reason: string } {
  if (!allowedFrom[action].includes(from)) {
    return { ok: false, reason: `An enrolment that is ${from.replace("_", " ")} cannot be ${actionWords[action]}` };
  }
  if (action === "extend") return { ok: true, status: from === "expired" ? "active" : from };
  return { ok: true, status: resultingStatus[action] ?? from };
}

/** When access ends for an enrolment starting now: the given expiry, else the course's access days, else never. */
export function defaultExpiry(now: Date, accessDays: number | null, explicit: Date | null = null): Date | null {
  if (explicit) return explicit;
  return accessDays === null ? null : new Date(now.getTime() + accessDays * 86_400_000);
}

/** Whether a cohort can take one more learner, and the refusal in words when it cannot. */
export function cohortHasRoom(cohort: { name: string; capacity: number | null }, enrolled: number): string | null {
  if (cohort.capacity !== null && enrolled >= cohort.capacity) {
    return `${cohort.name} is full (${cohort.capacity} places)`;
  }
  return null;
}
