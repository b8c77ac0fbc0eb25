/**
 * What the learner's pages know about courses, lessons and enrolments, as the API gives them, and how they
 * are put into words: status, lesson kinds, lengths, prices and progress.
 */
import type { AppRouter } from "@learnops/api/root";
import type { DenialCode } from "@learnops/contracts/access";
import type { LessonKind } from "@learnops/contracts/catalogue";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";

type Api = TRPCOptionsProxy<AppRouter>;

type ListedEnrolment = inferOutput<Api["enrolments"]["mine"]>[number];
export type CourseAccess = NonNullable<ListedEnrolment["access"]>;
/** An enrolment of "My courses", always with the decision on its course (see `withAccess`). */
export type MyEnrolment = ListedEnrolment & { access: CourseAccess };
export type DashboardSummary = inferOutput<Api["dashboard"]["summary"]>;
export type DashboardCourse = DashboardSummary["courses"][number];
export type LessonProgress = inferOutput<Api["dashboard"]["lesson"]>;
export type CatalogueCourse = inferOutput<Api["courses"]["catalogue"]>[number];
export type CourseOutline = inferOutput<Api["courses"]["outline"]>;
export type OutlineModule = CourseOutline["modules"][number];
export type OutlineLesson = OutlineModule["lessons"][number];

/**
 * The API gives no decision for a course it no longer finds in the institution (removed since the learner
 * enrolled): such a course does not open, and says so.
 */
export function withAccess(enrolments: readonly ListedEnrolment[]): MyEnrolment[] {
  return enrolments.map((enrolment) => ({
    ...enrolment,
    access: enrolment.access ?? {
      allowed: false,
      reason: `${enrolment.course.title} is no longer offered`,
      denial: "course_unavailable",
      until: null,
      trace: [],
    },
  }));
}

// ---------------------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------------------

export const lessonKindLabel: Record<LessonKind, string> = {
  video: "Video",
  reading: "Reading",
  resource: "Resource",
  quiz: "Quiz",
  assignment: "Assignment",
  live_session: "Live session",
};

/** What opening a lesson's content does, by kind: "Watch the video", "Join the live session". */
export const openContentVerb: Record<LessonKind, string> = {
  video: "Watch the video",
  reading: "Read it",
  resource: "Open the resource",
  quiz: "Take the quiz",
  assignment: "Open the assignment",
  live_session: "Join the live session",
};

/** "12 min", "1 h", "1 h 30 min". */
export function durationText(minutes: number | null): string | null {
  if (minutes === null) return null;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "2 modules · 6 lessons". */
export function lengthText(course: { moduleCount: number; lessonCount: number }): string {
  return `${plural(course.moduleCount, "module")} · ${plural(course.lessonCount, "lesson")}`;
}

/** "£149.00" in the reader's locale; null for a course that is not sold (included in a contract or grant). */
export function priceText(price: { cents: number; currency: string } | null): string | null {
  if (!price) return null;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: price.currency }).format(price.cents / 100);
}

const longDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric" });

export function dateText(iso: string): string {
  return longDate.format(new Date(iso));
}

export type StatusTone = "positive" | "critical" | "neutral";

/** Why an enrolment that is active does not open now, as a badge says it; the reason says the rest. */
const closedBecause: Partial<Record<DenialCode, string>> = {
  payment_refunded: "Refunded",
  payment_failed: "Payment failed",
  payment_pending: "Awaiting payment",
  access_expired: "Access ended",
  cohort_not_started: "Not started yet",
  cohort_ended: "Cohort ended",
  contract_inactive: "Contract ended",
  denied_by_override: "Access withheld",
  course_unavailable: "No longer offered",
};

/** What the status badge reads: the enrolment's status and payment, and whether the course opens now. */
export interface EnrolmentState {
  status: MyEnrolment["status"];
  paymentState: MyEnrolment["paymentState"];
  access: { allowed: boolean; denial: DenialCode | null };
}

/** The enrolment's status as the learner reads it, with the tone of its badge. */
export function enrolmentStatusText(enrolment: EnrolmentState): { label: string; tone: StatusTone } {
  const { access } = enrolment;
  switch (enrolment.status) {
    case "active":
      if (access.allowed) return { label: "Active", tone: "positive" };
      return { label: (access.denial && closedBecause[access.denial]) || "Not open now", tone: "neutral" };
    case "completed":
      return { label: "Completed", tone: "positive" };
    default:
      // An administrator may open a course whatever its enrolment says (an override while a renewal is paid).
      if (access.allowed) return { label: "Open for now", tone: "positive" };
      break;
  }
  switch (enrolment.status) {
    case "pending":
      return enrolment.paymentState === "pending"
        ? { label: "Awaiting payment", tone: "neutral" }
        : { label: "Awaiting confirmation", tone: "neutral" };
    case "review_required":
      return { label: "Being reviewed", tone: "neutral" };
    case "suspended":
      return { label: "Suspended", tone: "critical" };
    case "cancelled":
      return { label: "Cancelled", tone: "critical" };
    default:
      return { label: "Expired", tone: "critical" };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------------------

/** Every lesson of the course, module by module, each in its position. */
export function lessonsInOrder(outline: CourseOutline): OutlineLesson[] {
  return modulesInOrder(outline).flatMap((module) => module.lessons);
}

export function modulesInOrder(outline: CourseOutline): OutlineModule[] {
  return [...outline.modules]
    .sort((a, b) => a.position - b.position)
    .map((module) => ({ ...module, lessons: [...module.lessons].sort((a, b) => a.position - b.position) }));
}

export interface Progress {
  completed: number;
  total: number;
}

export function progressOf(lessons: readonly { id: string }[], completedLessonIds: readonly string[]): Progress {
  const done = new Set(completedLessonIds);
  return { completed: lessons.filter((lesson) => done.has(lesson.id)).length, total: lessons.length };
}

/** The lesson to go on with: the first one, in order, not completed yet that opens now. */
export function nextLesson(outline: CourseOutline): OutlineLesson | null {
  const done = new Set(outline.completedLessonIds);
  return lessonsInOrder(outline).find((lesson) => !done.has(lesson.id) && lesson.access?.allowed === true) ?? null;
}
