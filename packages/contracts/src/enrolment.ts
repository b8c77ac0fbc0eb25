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

/** A cohort ends after it starts; its enrolment closes after it opens. */
function checkCohortDates(
  cohort: { startsAt: string; endsAt: string; enrolmentOpensAt: string | null; enrolmentClosesAt: string | null },
  context: z.RefinementCtx,
) {
  if (Date.parse(cohort.startsAt) >= Date.parse(cohort.endsAt)) {
    context.addIssue({ code: "custom", path: ["endsAt"], message: "A cohort must end after it starts" });
  }
  if (
    cohort.enrolmentOpensAt &&
    cohort.enrolmentClosesAt &&
    Date.parse(cohort.enrolmentOpensAt) >= Date.parse(cohort.enrolmentClosesAt)
  ) {
    context.addIssue({ code: "custom", path: ["enrolmentClosesAt"], message: "Enrolment must close after it opens" });
  }
}

const instructorIds = z.array(uuid).max(50).default([]);

export const createCohortInput = z
  .object({ courseId: uuid, ...cohortFields, instructorIds })
  .superRefine(checkCohortDates);
export type CreateCohortInput = z.infer<typeof createCohortInput>;

export const cohortIdInput = z.object({ cohortId: uuid });

/** A cohort's details as a whole (what the create form sets), replacing what it had; its course stays. */
export const updateCohortInput = z
  .object({ cohortId: uuid, ...cohortFields, instructorIds })
  .superRefine(checkCohortDates);
export type UpdateCohortInput = z.infer<typeof updateCohortInput>;

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

/** What staff can do to an enrolment; which ones its status allows is the domain's (`enrolmentActionsFrom`). */
export const enrolmentAction = z.enum(["suspend", "reinstate", "cancel", "extend", "transfer", "reassign"]);
export type EnrolmentAction = z.infer<typeof enrolmentAction>;

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
  /** The actions its status allows, in the order the console offers them (permissions aside). */
  actions: z.array(enrolmentAction),
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

// A contract's or promotion's dates fall in this century or the next: the database has no year 0, and a
// term in the year 1 is a typing slip.
const isoDate = z.iso.date().refine((day) => day >= "2000-01-01" && day <= "2199-12-31", {
  message: "Use a day between 2000 and 2199",
});
const termDateTime = isoDateTime.refine((at) => at >= "2000-01-01" && at < "2200-01-01", {
  message: "Use a time between 2000 and 2199",
});

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
    validFrom: termDateTime,
    validUntil: termDateTime,
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

// ---------------------------------------------------------------------------------------------------------
// Bulk enrolment
// ---------------------------------------------------------------------------------------------------------

/** The largest CSV one upload may be: 50,000 rows of a few columns fit well inside it. */
export const maxUploadBytes = 10 * 1024 * 1024;

export const enrolmentImportKind = z.enum(["enrolments", "client_roster"]);

/**
 * An upload to validate. `file` is the request body as a stream: the `POST /imports/enrolments` route passes
 * it in (query: kind, clientGroupId, fileName); it cannot travel as JSON.
 */
export const enrolmentUploadInput = z.object({
  kind: enrolmentImportKind.default("enrolments"),
  clientGroupId: uuid.optional(),
  fileName: z.string().trim().min(1, "Name the file").max(255),
  file: z.custom<ReadableStream<Uint8Array>>((value) => value instanceof ReadableStream, {
    message: "Send the CSV file as the body of POST /imports/enrolments",
  }),
});

export const enrolmentImportIdInput = z.object({ importId: uuid });

export const enrolmentImportView = z.object({
  id: uuid,
  kind: enrolmentImportKind,
  clientGroupId: uuid.nullable(),
  fileName: z.string(),
  status: z.enum(["validated", "queued", "running", "completed", "failed"]),
  totalRows: z.number().int(),
  validRows: z.number().int(),
  rejectedRows: z.number().int(),
  processedRows: z.number().int(),
  createdRows: z.number().int(),
  unchangedRows: z.number().int(),
  percentDone: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});
export type EnrolmentImportView = z.infer<typeof enrolmentImportView>;
