import { z } from "zod";

/** The checks the access engine makes, in the order it makes them. */
export const accessCheck = z.enum([
  "course",
  "override",
  "enrolment",
  "payment",
  "expiry",
  "cohort",
  "contract",
  "client_group",
  "prerequisites",
]);
export type AccessCheck = z.infer<typeof accessCheck>;

/** One step of the engine's reasoning: what it looked at, and what it concluded. */
export const accessStep = z.object({
  check: accessCheck,
  outcome: z.enum(["passed", "failed", "skipped"]),
  detail: z.string(),
});
export type AccessStep = z.infer<typeof accessStep>;

/** Why access was denied, for programs; `reason` says it in words for people. */
export const denialCode = z.enum([
  "course_unavailable",
  "denied_by_override",
  "not_enrolled",
  "enrolment_pending",
  "enrolment_suspended",
  "enrolment_cancelled",
  "enrolment_expired",
  "enrolment_under_review",
  "payment_pending",
  "payment_refunded",
  "payment_failed",
  "access_expired",
  "cohort_not_started",
  "cohort_ended",
  "contract_inactive",
  "outside_client_group",
  "prerequisites_incomplete",
]);
export type DenialCode = z.infer<typeof denialCode>;

export const accessDecision = z.object({
  allowed: z.boolean(),
  /** One sentence a learner and a support agent can both read. */
  reason: z.string(),
  /** Null when allowed. */
  denial: denialCode.nullable(),
  /** Until when the access that allowed it lasts; null when it does not end (or was denied). */
  until: z.string().nullable(),
  trace: z.array(accessStep),
});
export type AccessDecision = z.infer<typeof accessDecision>;

export const checkAccessInput = z.object({ lessonId: z.uuid() });
export type CheckAccessInput = z.infer<typeof checkAccessInput>;

/** Support's view of one learner's access to a lesson, or to a course as a whole. */
export const inspectAccessInput = z.union([
  z.object({ userId: z.uuid(), lessonId: z.uuid() }),
  z.object({ userId: z.uuid(), courseId: z.uuid() }),
]);

export const listOverridesInput = z.object({ userId: z.uuid().optional(), courseId: z.uuid().optional() });
