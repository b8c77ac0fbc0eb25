import type { Role } from "@learnops/contracts/auth";
import type { EnrolmentStatus } from "@learnops/contracts/enrolment";
import {
  type CohortCompletionRow,
  cohortCompletionInput,
  incompleteLearnersInput,
  type LearnerProgressRow,
  type OverdueDeadlineRow,
  overdueDeadlinesInput,
  stalledLearnersInput,
} from "@learnops/contracts/progress-reports";
import {
  cohortCompletion,
  incompleteLearners,
  type LearnerProgressReportRow,
  overdueDeadlines,
  type ReportScope,
  stalledLearners,
} from "@learnops/db/queries/progress-reports";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import { permittedProcedure, router } from "../trpc.ts";

const DAY = 86_400_000;
const uuidPattern = /^[0-9a-f-]{36}$/;

/** Opaque keyset cursors: the last row's sort values, as JSON in base64url. */
function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

function decodeCursor(cursor: string | undefined, shape: readonly ("text" | "int" | "uuid")[]): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(values) &&
      values.length === shape.length &&
      values.every((value, index) =>
        shape[index] === "int"
          ? Number.isInteger(value)
          : typeof value === "string" && (shape[index] !== "uuid" || uuidPattern.test(value)),
      )
    ) {
      return values;
    }
  } catch {
    // Falls through to the refusal below.
  }
  throw new TRPCError({ code: "BAD_REQUEST", message: "cursor: not a cursor this report gave out" });
}

interface ReportContext {
  session: { user: { id: string } };
  membership: { role: string; client_group_id: string | null };
}

/**
 * The filters, narrowed by the reader's role: a client manager sees their own client group's learners only
 * (asking for another group finds nobody), an instructor the cohorts they teach.
 */
function scopeOf(
  ctx: ReportContext,
  input: {
    courseId?: string | undefined;
    cohortId?: string | undefined;
    clientGroupId?: string | undefined;
    limit: number;
  },
): ReportScope | null {
  const role = ctx.membership.role as Role;
  const scope: ReportScope = {
    courseId: input.courseId,
    cohortId: input.cohortId,
    clientGroupId: input.clientGroupId,
    limit: input.limit + 1,
  };
  if (role === "client_manager") {
    const own = ctx.membership.client_group_id;
    if (!own || (input.clientGroupId && input.clientGroupId !== own)) return null;
    scope.clientGroupId = own;
  }
  if (role === "instructor") scope.instructorUserId = ctx.session.user.id;
  return scope;
}

const emptyPage = { rows: [], total: 0, nextCursor: null };

function toLearnerRow(row: LearnerProgressReportRow, now: Date): LearnerProgressRow {
  const since = row.last_activity_at ?? row.enrolled_at;
  return {
    enrolmentId: row.enrolment_id ?? "",
    learner: { userId: row.user_id, displayName: row.display_name, email: row.email },
    course: { id: row.course_id, title: row.course_title },
    cohort: row.cohort_id && row.cohort_name ? { id: row.cohort_id, name: row.cohort_name } : null,
    clientGroup:
      row.client_group_id && row.client_group_name ? { id: row.client_group_id, name: row.client_group_name } : null,
    status: row.status as EnrolmentStatus,
    percent: row.percent,
    completedLessons: row.completed_lessons,
    totalLessons: row.lesson_count,
    enrolledAt: new Date(row.enrolled_at).toISOString(),
    lastActivityAt: row.last_activity_at ? new Date(row.last_activity_at).toISOString() : null,
    daysInactive: Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / DAY)),
  };
}

/** The page's rows (the query asked for one more than the limit, to know whether another page follows). */
function paged<Row>(rows: Row[], limit: number, cursorOf: (last: Row) => string) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}

/** Reading learners' records is a disclosure (FERPA): each page read is recorded, naming the learners shown. */
async function recordDisclosure(
  ctx: Parameters<typeof recordAction>[0],
  report: string,
  filters: Record<string, unknown>,
  learnerIds: readonly string[],
) {
  await recordAction(ctx, {
    action: "progress.report_viewed",
    targetType: "progress_report",
    targetId: report,
    after: { filters, learnerIds: [...new Set(learnerIds)] },
  });
}

export const progressReportsRouter = router({
  /** Learners with an active enrolment whose course is not completed, least progress first, then longest enrolled. */
  incompleteLearners: permittedProcedure("progress.read")
    .input(incompleteLearnersInput)
    .query(async ({ ctx, input }) => {
      const scope = scopeOf(ctx, input);
      if (!scope) return emptyPage;
      const after = decodeCursor(input.cursor, ["int", "text", "uuid"]);
      const rows = await incompleteLearners(
        ctx.db,
        scope,
        after ? { percent: after[0] as number, enrolledAt: after[1] as string, id: after[2] as string } : undefined,
      );
      const total = rows[0]?.total ?? 0;
      const { page, nextCursor } = paged(
        rows.filter((row) => row.enrolment_id),
        input.limit,
        (last) => encodeCursor([last.percent, last.sort_key, last.enrolment_id ?? ""]),
      );
      const now = ctx.now();
      await recordDisclosure(
        ctx,
        "incomplete_learners",
        { ...input, cursor: undefined },
        page.map((row) => row.user_id),
      );
      return { rows: page.map((row) => toLearnerRow(row, now)), total, nextCursor };
    }),

  /** Learners with no activity for `inactiveDays` days or more (default 14), longest inactive first. */
  stalledLearners: permittedProcedure("progress.read")
    .input(stalledLearnersInput)
    .query(async ({ ctx, input }) => {
      const scope = scopeOf(ctx, input);
      if (!scope) return emptyPage;
      const after = decodeCursor(input.cursor, ["text", "uuid"]);
      const now = ctx.now();
      const rows = await stalledLearners(
        ctx.db,
        scope,
        new Date(now.getTime() - input.inactiveDays * DAY),
        after ? { at: after[0] as string, id: after[1] as string } : undefined,
      );
      const total = rows[0]?.total ?? 0;
      const { page, nextCursor } = paged(
        rows.filter((row) => row.enrolment_id),
        input.limit,
        (last) => encodeCursor([last.sort_key, last.enrolment_id ?? ""]),
      );
      await recordDisclosure(
        ctx,
        "stalled_learners",
        { ...input, cursor: undefined },
        page.map((row) => row.user_id),
      );
      return { rows: page.map((row) => toLearnerRow(row, now)), total, nextCursor };
    }),

  /** Cohort deadlines passed (extensions respected) whose module or lesson is not completed, oldest first. */
  overdueDeadlines: permittedProcedure("progress.read")
    .input(overdueDeadlinesInput)
    .query(async ({ ctx, input }) => {
      const scope = scopeOf(ctx, input);
      if (!scope) return emptyPage;
      const after = decodeCursor(input.cursor, ["text", "uuid", "uuid"]);
      const now = ctx.now();
      const rows = await overdueDeadlines(
        ctx.db,
        scope,
        now,
        after ? { at: after[0] as string, enrolmentId: after[1] as string, deadlineId: after[2] as string } : undefined,
      );
      const total = rows[0]?.total ?? 0;
      const { page, nextCursor } = paged(
        rows.filter((row) => row.enrolment_id),
        input.limit,
        (last) => encodeCursor([last.sort_key, last.enrolment_id ?? "", last.deadline_id]),
      );
      await recordDisclosure(
        ctx,
        "overdue_deadlines",
        { ...input, cursor: undefined },
        page.map((row) => row.user_id),
      );
      const overdue: OverdueDeadlineRow[] = page.map((row) => ({
        enrolmentId: row.enrolment_id ?? "",
        deadlineId: row.deadline_id,
        learner: { userId: row.user_id, displayName: row.display_name, email: row.email },
        course: { id: row.course_id, title: row.course_title },
        cohort: { id: row.cohort_id, name: row.cohort_name },
        clientGroup:
          row.client_group_id && row.client_group_name
            ? { id: row.client_group_id, name: row.client_group_name }
            : null,
        target: row.lesson_id ? "lesson" : "module",
        targetId: row.lesson_id ?? row.module_id ?? "",
        title: row.title,
        dueAt: new Date(row.due_at).toISOString(),
        extended: row.extended,
        daysOverdue: Math.max(0, Math.floor((now.getTime() - new Date(row.due_at).getTime()) / DAY)),
      }));
      return { rows: overdue, total, nextCursor };
    }),

  /** Per cohort: learners enrolled, completed, the share completed and the mean progress; newest first. */
  cohortCompletion: permittedProcedure("progress.read")
    .input(cohortCompletionInput)
    .query(async ({ ctx, input }) => {
      const scope = scopeOf(ctx, input);
      if (!scope) return emptyPage;
      const after = decodeCursor(input.cursor, ["text", "uuid"]);
      const rows = await cohortCompletion(
        ctx.db,
        scope,
        after ? { at: after[0] as string, id: after[1] as string } : undefined,
      );
      const total = rows[0]?.total ?? 0;
      const { page, nextCursor } = paged(
        rows.filter((row) => row.cohort_id),
        input.limit,
        (last) => encodeCursor([last.sort_key, last.cohort_id ?? ""]),
      );
      // Counts, not named learners; recorded all the same, as a small cohort's counts can point at someone.
      await recordAction(ctx, {
        action: "progress.report_viewed",
        targetType: "progress_report",
        targetId: "cohort_completion",
        after: { filters: { ...input, cursor: undefined }, cohortIds: page.map((row) => row.cohort_id) },
      });
      const cohorts: CohortCompletionRow[] = page.map((row) => ({
        cohort: {
          id: row.cohort_id ?? "",
          name: row.cohort_name,
          startsAt: new Date(row.starts_at).toISOString(),
          endsAt: new Date(row.ends_at).toISOString(),
        },
        course: { id: row.course_id, title: row.course_title },
        enrolled: row.enrolled,
        completed: row.completed,
        completedPercent: row.enrolled === 0 ? 0 : Math.floor((100 * row.completed) / row.enrolled),
        averagePercent: row.average_percent,
      }));
      return { rows: cohorts, total, nextCursor };
    }),
});
