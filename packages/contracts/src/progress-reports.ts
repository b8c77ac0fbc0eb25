import { z } from "zod";
import { denialCode } from "./access.ts";
import { lessonKind } from "./catalogue.ts";
import { enrolmentStatus, paymentState } from "./enrolment.ts";

const uuid = z.uuid();
const isoDateTime = z.iso.datetime({ offset: true });

// ---------------------------------------------------------------------------------------------------------
// The learner's dashboard
// ---------------------------------------------------------------------------------------------------------

export const dashboardSummaryInput = z
  .object({
    /** Deadlines due within this many days are listed (overdue ones always are). */
    deadlineDays: z.number().int().min(1).max(365).default(14),
  })
  .default({ deadlineDays: 14 });
export type DashboardSummaryInput = z.input<typeof dashboardSummaryInput>;

const lessonAccess = z.object({
  allowed: z.boolean(),
  reason: z.string(),
  denial: denialCode.nullable(),
  until: z.string().nullable(),
});

/** A cohort deadline as it applies to the learner: their extension, when granted, replaces the cohort's date. */
export const learnerDeadline = z.object({
  deadlineId: uuid,
  /** A module's deadline, or one lesson's (an assignment). */
  target: z.enum(["module", "lesson"]),
  targetId: uuid,
  title: z.string(),
  dueAt: isoDateTime,
  cohortDueAt: isoDateTime,
  extended: z.boolean(),
  overdue: z.boolean(),
});
export type LearnerDeadline = z.infer<typeof learnerDeadline>;

/**
 * Certificates are not issued yet: this says only whether the course's completion rules are met, which is
 * what a certificate rule will start from. `generated`, `revoked` and the rest arrive with certificates.
 */
export const certificateEligibility = z.enum(["not_eligible", "eligible"]);
export type CertificateEligibility = z.infer<typeof certificateEligibility>;

export const dashboardCourse = z.object({
  enrolmentId: uuid,
  course: z.object({ id: uuid, code: z.string(), title: z.string() }),
  cohort: z.object({ id: uuid, name: z.string() }).nullable(),
  status: enrolmentStatus,
  paymentState,
  /** Whether the course opens for the learner now, and why not. */
  access: lessonAccess,
  progress: z.object({
    percent: z.number().int().min(0).max(100),
    completedLessons: z.number().int(),
    totalLessons: z.number().int(),
    completedAt: isoDateTime.nullable(),
    lastActivityAt: isoDateTime.nullable(),
  }),
  /** The first lesson in course order not completed that opens now; null when none does. */
  nextLesson: z
    .object({ id: uuid, moduleId: uuid, title: z.string(), kind: lessonKind, access: lessonAccess })
    .nullable(),
  /** Assignment lessons not passed yet, in course order, with their deadline when the cohort sets one. */
  pendingAssignments: z.array(z.object({ lessonId: uuid, title: z.string(), dueAt: isoDateTime.nullable() })),
  /** Deadlines not met: overdue ones, and those due within `deadlineDays`; soonest first. */
  deadlines: z.array(learnerDeadline),
  certificateEligibility,
});
export type DashboardCourse = z.infer<typeof dashboardCourse>;

export const dashboardSummary = z.object({ courses: z.array(dashboardCourse), deadlineDays: z.number().int() });
export type DashboardSummary = z.infer<typeof dashboardSummary>;

export const lessonProgressInput = z.object({ lessonId: uuid });

/** One lesson's progress for the learner's lesson page. */
export const learnerLessonProgress = z.object({
  lessonId: uuid,
  completedAt: isoDateTime.nullable(),
  bestScorePercent: z.number().nullable(),
  quizAttempts: z.number().int(),
  assignmentPassedAt: isoDateTime.nullable(),
  watchedFraction: z.number().nullable(),
});
export type LearnerLessonProgress = z.infer<typeof learnerLessonProgress>;

// ---------------------------------------------------------------------------------------------------------
// Staff reports
// ---------------------------------------------------------------------------------------------------------

const reportFilters = {
  courseId: uuid.optional(),
  cohortId: uuid.optional(),
  clientGroupId: uuid.optional(),
  limit: z.number().int().min(1).max(100).default(25),
  /** The `nextCursor` of the previous page, with the same filters. */
  cursor: z.string().max(500).optional(),
};

export const incompleteLearnersInput = z.object(reportFilters);
export type IncompleteLearnersInput = z.input<typeof incompleteLearnersInput>;

export const stalledLearnersInput = z.object({
  ...reportFilters,
  /** No activity for at least this many days (never started counts from enrolment). */
  inactiveDays: z.number().int().min(1).max(365).default(14),
});
export type StalledLearnersInput = z.input<typeof stalledLearnersInput>;

export const overdueDeadlinesInput = z.object(reportFilters);
export type OverdueDeadlinesInput = z.input<typeof overdueDeadlinesInput>;

export const cohortCompletionInput = z.object(reportFilters);
export type CohortCompletionInput = z.input<typeof cohortCompletionInput>;

const reportLearner = z.object({ userId: uuid, displayName: z.string(), email: z.string() });
const reportCourse = z.object({ id: uuid, title: z.string() });
const reportCohort = z.object({ id: uuid, name: z.string() }).nullable();
const reportClientGroup = z.object({ id: uuid, name: z.string() }).nullable();

export const learnerProgressRow = z.object({
  enrolmentId: uuid,
  learner: reportLearner,
  course: reportCourse,
  cohort: reportCohort,
  clientGroup: reportClientGroup,
  status: enrolmentStatus,
  percent: z.number().int(),
  completedLessons: z.number().int(),
  totalLessons: z.number().int(),
  enrolledAt: isoDateTime,
  lastActivityAt: isoDateTime.nullable(),
  /** Whole days since the last activity (or since enrolment, for someone who never started). */
  daysInactive: z.number().int(),
});
export type LearnerProgressRow = z.infer<typeof learnerProgressRow>;

export const overdueDeadlineRow = z.object({
  enrolmentId: uuid,
  deadlineId: uuid,
  learner: reportLearner,
  course: reportCourse,
  cohort: z.object({ id: uuid, name: z.string() }),
  clientGroup: reportClientGroup,
  target: z.enum(["module", "lesson"]),
  targetId: uuid,
  title: z.string(),
  dueAt: isoDateTime,
  extended: z.boolean(),
  daysOverdue: z.number().int(),
});
export type OverdueDeadlineRow = z.infer<typeof overdueDeadlineRow>;

export const cohortCompletionRow = z.object({
  cohort: z.object({ id: uuid, name: z.string(), startsAt: isoDateTime, endsAt: isoDateTime }),
  course: reportCourse,
  enrolled: z.number().int(),
  completed: z.number().int(),
  /** Share of the enrolled who completed, in whole percent; 0 for an empty cohort. */
  completedPercent: z.number().int(),
  /** Mean course progress of the enrolled, in whole percent. */
  averagePercent: z.number().int(),
});
export type CohortCompletionRow = z.infer<typeof cohortCompletionRow>;

/** A page of a report: its rows, the total matching the filters, and the cursor of the next page. */
export function reportPage<Row extends z.ZodType>(row: Row) {
  return z.object({ rows: z.array(row), total: z.number().int(), nextCursor: z.string().nullable() });
}
