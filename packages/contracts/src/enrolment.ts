import { z } from "zod";
import { email } from "./auth.ts";

const uuid = z.uuid();
const isoDateTime = z.iso.datetime({ offset: true });

export const enrolmentSource = z.enum([
  "payment",
  "corporate_contract",
  "manual_grant",
  "promotion",
  "admin_override",
  "sso_provisioning",
  "import",
]);
export type EnrolmentSource = z.infer<typeof enrolmentSource>;

export const enrolmentStatus = z.enum([
  "pending",
  "active",
  "expired",
  "suspended",
  "completed",
  "cancelled",
  "review_required",
]);
export type EnrolmentStatus = z.infer<typeof enrolmentStatus>;

/** The statuses in which an enrolment is still live: a learner has at most one such per course. */
export const liveEnrolmentStatuses = ["pending", "active", "suspended", "review_required"] as const;

export const paymentState = z.enum(["not_required", "pending", "paid", "refunded", "failed"]);
export type PaymentState = z.infer<typeof paymentState>;

/** Why a staff member changed an enrolment: recorded in the audit trail and shown to support. */
export const changeReason = z
  .string()
  .trim()
  .min(10, "Give a reason of at least 10 characters")
  .max(500, "A reason has at most 500 characters");

// ---------------------------------------------------------------------------------------------------------
// Cohorts
// ---------------------------------------------------------------------------------------------------------

const cohortFields = {
  name: z.string().trim().min(1, "Enter a name").max(200),
  startsAt: isoDateTime,
  endsAt: isoDateTime,
  enrolmentOpensAt: isoDateTime.nullable().default(null),
  enrolmentClosesAt: isoDateTime.nullable().default(null),
  capacity: z.number().int().min(1).max(100_000).nullable().default(null),
  clientGroupId: uuid.nullable().default(null),
};

export const createCohortInput = z
  .object({ courseId: uuid, ...cohortFields, instructorIds: z.array(uuid).max(50).default([]) })
  .refine((cohort) => Date.parse(cohort.startsAt) < Date.parse(cohort.endsAt), {
    path: ["endsAt"],
    message: "A cohort must end after it starts",
  })
  .refine(
    (cohort) =>
      !cohort.enrolmentOpensAt ||
      !cohort.enrolmentClosesAt ||
      Date.parse(cohort.enrolmentOpensAt) < Date.parse(cohort.enrolmentClosesAt),
    { path: ["enrolmentClosesAt"], message: "Enrolment must close after it opens" },
  );
export type CreateCohortInput = z.infer<typeof createCohortInput>;

export const cohortIdInput = z.object({ cohortId: uuid });

/** A deadline for a module or an assignment lesson, per cohort; null `dueAt` removes it. */
export const setDeadlineInput = z
  .object({ cohortId: uuid, moduleId: uuid.optional(), lessonId: uuid.optional(), dueAt: isoDateTime.nullable() })
  .refine((input) => (input.moduleId === undefined) !== (input.lessonId === undefined), {
    path: ["moduleId"],
    message: "Name either a module or a lesson",
  });

export const extendDeadlineInput = z.object({
  enrolmentId: uuid,
  deadlineId: uuid,
  dueAt: isoDateTime,
  reason: changeReason,
});

// ---------------------------------------------------------------------------------------------------------
// Enrolments
// ---------------------------------------------------------------------------------------------------------

export const grantEnrolmentInput = z.object({
  userId: uuid,
  courseId: uuid,
  cohortId: uuid.nullable().default(null),
  source: z.enum(["manual_grant", "admin_override"]).default("manual_grant"),
  expiresAt: isoDateTime.nullable().default(null),
  reason: changeReason,
});
export type GrantEnrolmentInput = z.infer<typeof grantEnrolmentInput>;

export const enrolmentIdInput = z.object({ enrolmentId: uuid });

export const extendEnrolmentInput = z.object({ enrolmentId: uuid, expiresAt: isoDateTime, reason: changeReason });
export const transferEnrolmentInput = z.object({ enrolmentId: uuid, cohortId: uuid, reason: changeReason });
export const reassignEnrolmentInput = z.object({
  enrolmentId: uuid,
  courseId: uuid,
  cohortId: uuid.nullable().default(null),
  reason: changeReason,
});
export const changeEnrolmentStatusInput = z.object({ enrolmentId: uuid, reason: changeReason });

export const listEnrolmentsInput = z.object({
  courseId: uuid.optional(),
  cohortId: uuid.optional(),
  userId: uuid.optional(),
  status: enrolmentStatus.optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const enrolmentView = z.object({
  id: uuid,
  userId: uuid,
  learner: z.object({ displayName: z.string(), email: z.string() }),
  course: z.object({ id: uuid, code: z.string(), title: z.string() }),
  cohort: z.object({ id: uuid, name: z.string() }).nullable(),
  source: enrolmentSource,
  status: enrolmentStatus,
  paymentState,
  paymentStateSince: z.string().nullable(),
  expiresAt: z.string().nullable(),
  clientGroupId: uuid.nullable(),
  statusReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type EnrolmentView = z.infer<typeof enrolmentView>;

export const createOverrideInput = z.object({
  userId: uuid,
  courseId: uuid,
  effect: z.enum(["allow", "deny"]),
  reason: changeReason,
  startsAt: isoDateTime.optional(),
  expiresAt: isoDateTime,
});
export const overrideIdInput = z.object({ overrideId: uuid });

/** A learner buys a course: a pending enrolment the payment provider's events then settle. */
export const checkoutInput = z.object({ courseId: uuid, cohortId: uuid.nullable().default(null) });

// ---------------------------------------------------------------------------------------------------------
// Corporate contracts
// ---------------------------------------------------------------------------------------------------------

const isoDate = z.iso.date();

export const createContractInput = z
  .object({
    clientGroupId: uuid,
    name: z.string().trim().min(1, "Enter a name").max(200),
    startsOn: isoDate,
    endsOn: isoDate,
    courseIds: z.array(uuid).min(1, "A contract covers at least one course").max(200),
  })
  .refine((contract) => contract.startsOn <= contract.endsOn, {
    path: ["endsOn"],
    message: "A contract must end on or after the day it starts",
  });
export const enrolClientGroupInput = z.object({
  contractId: uuid,
  courseId: uuid,
  cohortId: uuid.nullable().default(null),
  userIds: z.array(uuid).min(1).max(500),
});
export const terminateContractInput = z.object({ contractId: uuid, reason: changeReason });

// ---------------------------------------------------------------------------------------------------------
// Promotions
// ---------------------------------------------------------------------------------------------------------

export const promotionCode = z
  .string()
  .trim()
  .toUpperCase()
  .min(3, "A code has at least 3 characters")
  .max(40, "A code has at most 40 characters")
  .regex(/^[A-Z0-9]+(-[A-Z0-9]+)*$/, "Use letters, digits and single hyphens, like SPRING-2027");

export const createPromotionInput = z
  .object({
    code: promotionCode,
    description: z.string().trim().max(500).default(""),
    maxUses: z.number().int().min(1).max(1_000_000).nullable().default(null),
    validFrom: isoDateTime,
    validUntil: isoDateTime,
    accessDays: z.number().int().min(1).max(3650),
    courseIds: z.array(uuid).min(1, "A promotion opens at least one course").max(200),
  })
  .refine((promotion) => Date.parse(promotion.validFrom) < Date.parse(promotion.validUntil), {
    path: ["validUntil"],
    message: "A promotion must end after it starts",
  });
export type CreatePromotionInput = z.infer<typeof createPromotionInput>;

export const redeemPromotionInput = z.object({ code: promotionCode, courseId: uuid });
export const promotionIdInput = z.object({ promotionId: uuid });

// ---------------------------------------------------------------------------------------------------------
// Support search
// ---------------------------------------------------------------------------------------------------------

export const supportSearchInput = z.object({
  email: email.optional(),
  name: z.string().trim().min(2, "Type at least 2 characters of a name").max(200).optional(),
  courseId: uuid.optional(),
  cohortId: uuid.optional(),
  clientGroupId: uuid.optional(),
  status: enrolmentStatus.optional(),
  limit: z.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});
export type SupportSearchInput = z.infer<typeof supportSearchInput>;

export const setDirectoryOptOutInput = z.object({ optOut: z.boolean() });

export const learnerSearchResult = z.object({
  userId: uuid,
  displayName: z.string(),
  email: z.string(),
  clientGroup: z.object({ id: uuid, name: z.string() }).nullable(),
  /** The learner asked that their directory information not be disclosed: staff may see it, not pass it on. */
  directoryOptOut: z.boolean(),
  enrolments: z.array(
    z.object({
      id: uuid,
      course: z.object({ id: uuid, title: z.string() }),
      cohortName: z.string().nullable(),
      status: enrolmentStatus,
      expiresAt: z.string().nullable(),
    }),
  ),
});
export type LearnerSearchResult = z.infer<typeof learnerSearchResult>;
