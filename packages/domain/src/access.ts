import type { AccessDecision, AccessStep, DenialCode } from "@learnops/contracts/access";
import type { CourseStatus } from "@learnops/contracts/catalogue";
import type { EnrolmentSource, EnrolmentStatus, PaymentState } from "@learnops/contracts/enrolment";

/**
 * The access engine: whether a learner may open a lesson now, and why, as a trace of every check made.
 * A pure function of the facts; the caller loads them (one query on the hot path) and passes the clock.
 */

export interface AccessOverrideFacts {
  effect: "allow" | "deny";
  reason: string;
  startsAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface EnrolmentFacts {
  status: EnrolmentStatus;
  source: EnrolmentSource;
  paymentState: PaymentState;
  paymentStateSince: Date | null;
  expiresAt: Date | null;
  statusReason: string | null;
  /** The client group the enrolment was made for (corporate enrolments). */
  clientGroupId: string | null;
  cohort: { name: string; startsAt: Date; endsAt: Date } | null;
  contract: {
    name: string;
    clientGroupId: string;
    startsOn: string;
    endsOn: string;
    status: "active" | "terminated";
    coversCourse: boolean;
  } | null;
  promotion: { code: string } | null;
}

export interface AccessFacts {
  course: { title: string; status: CourseStatus };
  /** The lesson asked for, with what must be completed first; null for a course-level check. */
  lesson: {
    title: string;
    /** Lessons that must be completed first (the lesson's own prerequisites and its module's). */
    requiredLessons: readonly { id: string; title: string }[];
    requiredModules: readonly { id: string; title: string; lessonIds: readonly string[] }[];
  } | null;
  /** The learner's live enrolment in the course, or their most recent one; null if they never had one. */
  enrolment: EnrolmentFacts | null;
  overrides: readonly AccessOverrideFacts[];
  /** The learner's client group in the institution (their membership's), or null. */
  learnerClientGroupId: string | null;
  completedLessonIds: ReadonlySet<string>;
}

/** A date as people read it in a trace: the day, in UTC. */
function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function untilPhrase(date: Date | null): string {
  return date ? ` until ${day(date)}` : "";
}

const sourcePhrase: Record<EnrolmentSource, string> = {
  payment: "a purchase",
  corporate_contract: "a corporate contract",
  manual_grant: "a manual grant",
  promotion: "a promotion",
  admin_override: "an administrator's enrolment",
  sso_provisioning: "your institution's sign-in",
  import: "an imported enrolment",
};

class Trace {
  readonly steps: AccessStep[] = [];
  pass(check: AccessStep["check"], detail: string) {
    this.steps.push({ check, outcome: "passed", detail });
  }
  skip(check: AccessStep["check"], detail: string) {
    this.steps.push({ check, outcome: "skipped", detail });
  }
  deny(check: AccessStep["check"], denial: DenialCode, reason: string): AccessDecision {
    this.steps.push({ check, outcome: "failed", detail: reason });
    return { allowed: false, reason, denial, until: null, trace: this.steps };
  }
}

function activeOverride(overrides: readonly AccessOverrideFacts[], effect: "allow" | "deny", now: Date) {
  return overrides
    .filter((o) => o.effect === effect && o.revokedAt === null && o.startsAt <= now && now < o.expiresAt)
    .sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0];
}

const enrolmentDenials: Partial<Record<EnrolmentStatus, { denial: DenialCode; words: string }>> = {
  suspended: { denial: "enrolment_suspended", words: "Your enrolment is suspended" },
  cancelled: { denial: "enrolment_cancelled", words: "Your enrolment was cancelled" },
  expired: { denial: "enrolment_expired", words: "Your enrolment has expired" },
  review_required: { denial: "enrolment_under_review", words: "Your enrolment is being reviewed by staff" },
};

export function decideAccess(facts: AccessFacts, now: Date): AccessDecision {
  const trace = new Trace();

  if (facts.course.status !== "published") {
    return trace.deny(
      "course",
      "course_unavailable",
      facts.course.status === "archived"
        ? `${facts.course.title} has been archived and can no longer be opened`
        : `${facts.course.title} is not open yet`,
    );
  }
  trace.pass("course", `${facts.course.title} is published`);

  // An administrator's decision outranks everything the enrolment says, both ways.
  const deny = activeOverride(facts.overrides, "deny", now);
  if (deny) {
    return trace.deny(
      "override",
      "denied_by_override",
      `Access withheld by an administrator until ${day(deny.expiresAt)}: ${deny.reason}`,
    );
  }
  const allow = activeOverride(facts.overrides, "allow", now);
  let grantedBy: { phrase: string; until: Date | null } | null = null;

  if (allow) {
    trace.pass("override", `Allowed by an administrator until ${day(allow.expiresAt)}: ${allow.reason}`);
    trace.skip("enrolment", "Not needed: an administrator's override allows access");
    grantedBy = { phrase: `an administrator's override (${allow.reason})`, until: allow.expiresAt };
  } else {
    trace.skip("override", "No administrator override in force");
    const course = evaluateEnrolment(facts, now, trace);
    if ("allowed" in course) return course;
    grantedBy = course;
  }

  const prerequisites = evaluatePrerequisites(facts, trace);
  if (prerequisites) return prerequisites;

  const what = facts.lesson ? facts.lesson.title : facts.course.title;
  return {
    allowed: true,
    reason: `${what} is open to you via ${grantedBy.phrase}${untilPhrase(grantedBy.until)}`,
    denial: null,
    until: grantedBy.until?.toISOString() ?? null,
    trace: trace.steps,
  };
}

/** The enrolment's own checks: a denial, or what grants access and until when. */
function evaluateEnrolment(
  facts: AccessFacts,
  now: Date,
  trace: Trace,
): AccessDecision | { phrase: string; until: Date | null } {
  const enrolment = facts.enrolment;
  if (!enrolment) return trace.deny("enrolment", "not_enrolled", `You are not enrolled in ${facts.course.title}`);

  const statusDenial = enrolmentDenials[enrolment.status];
  if (statusDenial) {
    const why = enrolment.statusReason ? `: ${enrolment.statusReason}` : "";
    return trace.deny("enrolment", statusDenial.denial, `${statusDenial.words}${why}`);
  }
  if (enrolment.status === "pending" && enrolment.paymentState !== "pending") {
    return trace.deny("enrolment", "enrolment_pending", "Your enrolment has not been confirmed yet");
  }
  trace.pass("enrolment", `Enrolled via ${sourcePhrase[enrolment.source]} (${enrolment.status})`);

  // Payment: only enrolments that are paid for wait on it.
  const since = enrolment.paymentStateSince ? ` since ${day(enrolment.paymentStateSince)}` : "";
  switch (enrolment.paymentState) {
    case "not_required":
      trace.skip("payment", "No payment required");
      break;
    case "paid":
      trace.pass("payment", `Paid${since}`);
      break;
    case "pending":
      return trace.deny("payment", "payment_pending", `Payment pending${since}`);
    case "refunded":
      return trace.deny("payment", "payment_refunded", `Payment refunded${since}`);
    case "failed":
      return trace.deny("payment", "payment_failed", `Payment failed${since}; try paying again`);
  }

  if (enrolment.expiresAt && enrolment.expiresAt <= now) {
    return trace.deny("expiry", "access_expired", `Access expired on ${day(enrolment.expiresAt)}`);
  }
  if (enrolment.expiresAt) trace.pass("expiry", `Access lasts until ${day(enrolment.expiresAt)}`);
  else trace.skip("expiry", "Access does not expire");

  const cohort = enrolment.cohort;
  if (cohort) {
    if (now < cohort.startsAt) {
      return trace.deny("cohort", "cohort_not_started", `${cohort.name} starts on ${day(cohort.startsAt)}`);
    }
    // A completed learner keeps reading access after the cohort ends; everyone else's ends with it.
    if (cohort.endsAt <= now && enrolment.status !== "completed") {
      return trace.deny("cohort", "cohort_ended", `${cohort.name} ended on ${day(cohort.endsAt)}`);
    }
    trace.pass("cohort", `In ${cohort.name}, ${day(cohort.startsAt)} to ${day(cohort.endsAt)}`);
  } else {
    trace.skip("cohort", "Self-paced: no cohort");
  }

  let phrase = sourcePhrase[enrolment.source];
  let until = enrolment.expiresAt;
  const contract = enrolment.contract;
  if (enrolment.source === "corporate_contract" && contract) {
    const today = day(now);
    if (
      contract.status !== "active" ||
      today < contract.startsOn ||
      contract.endsOn < today ||
      !contract.coversCourse
    ) {
      const why =
        contract.status !== "active"
          ? "was terminated"
          : today < contract.startsOn
            ? `starts on ${contract.startsOn}`
            : contract.endsOn < today
              ? `ended on ${contract.endsOn}`
              : "no longer covers this course";
      return trace.deny("contract", "contract_inactive", `The corporate contract ${contract.name} ${why}`);
    }
    trace.pass("contract", `Corporate contract ${contract.name} runs until ${contract.endsOn}`);
    if (facts.learnerClientGroupId !== contract.clientGroupId) {
      return trace.deny(
        "client_group",
        "outside_client_group",
        `You are no longer in the client group of the contract ${contract.name}`,
      );
    }
    trace.pass("client_group", "You belong to the contract's client group");
    phrase = `corporate contract ${contract.name}`;
    // The contract's last day ends access unless the enrolment ends sooner.
    const contractEnd = new Date(`${contract.endsOn}T23:59:59.999Z`);
    if (!until || contractEnd < until) until = contractEnd;
  } else {
    trace.skip("contract", "Not a corporate enrolment");
  }
  if (enrolment.source === "promotion" && enrolment.promotion) phrase = `promotion ${enrolment.promotion.code}`;
  return { phrase, until };
}

function evaluatePrerequisites(facts: AccessFacts, trace: Trace): AccessDecision | null {
  const lesson = facts.lesson;
  if (!lesson) {
    trace.skip("prerequisites", "Checked per lesson");
    return null;
  }
  const missing = [
    ...lesson.requiredModules
      .filter((module) => module.lessonIds.some((id) => !facts.completedLessonIds.has(id)))
      .map((module) => `the module ${module.title}`),
    ...lesson.requiredLessons.filter((required) => !facts.completedLessonIds.has(required.id)).map((l) => l.title),
  ];
  if (missing.length) {
    return trace.deny("prerequisites", "prerequisites_incomplete", `Complete ${listOf(missing)} first`);
  }
  if (lesson.requiredLessons.length || lesson.requiredModules.length) {
    trace.pass("prerequisites", "Every prerequisite is complete");
  } else {
    trace.skip("prerequisites", "No prerequisites");
  }
  return null;
}

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
