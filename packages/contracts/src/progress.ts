import { z } from "zod";

const uuid = z.uuid();
const isoDateTime = z.iso.datetime({ offset: true });

/** What a learner did, in the progress engine's normalized terms. */
export const progressEventType = z.enum([
  "lesson_started",
  "lesson_completed",
  "video_progress",
  "resource_downloaded",
  "quiz_attempted",
  "live_session_attended",
  "assignment_passed",
]);
export type ProgressEventType = z.infer<typeof progressEventType>;

/** Where an event came from: the learner portal, an external tool's xAPI statement, an import, assessments. */
export const progressEventSource = z.enum(["portal", "xapi", "import", "assessment"]);
export type ProgressEventSource = z.infer<typeof progressEventSource>;

/**
 * Chosen by the client once per event and sent again on every retry: a repeated key is acknowledged as a
 * duplicate and changes nothing. An xAPI statement's id serves as its key.
 */
export const idempotencyKey = z
  .string()
  .trim()
  .min(8, "An idempotency key has at least 8 characters")
  .max(200, "An idempotency key has at most 200 characters");

const seconds = z
  .number()
  .finite()
  .nonnegative()
  .max(86_400 * 7, "At most a week, in seconds");

/** A watched stretch of a video, in seconds from its start; ranges may overlap and come in any order. */
export const watchedRange = z
  .tuple([seconds, seconds])
  .refine(([start, end]) => start <= end, "A watched range ends at or after its start");

const eventBase = {
  idempotencyKey,
  lessonId: uuid,
  /** When the learner did it (the client's clock); the server stamps when it was received. */
  occurredAt: isoDateTime,
  /** Free-form details kept with the event (device, tool, attempt id); at most 4 KB as JSON. */
  metadata: z
    .record(z.string().max(100), z.json())
    .refine((value) => JSON.stringify(value).length <= 4096, "metadata is at most 4 KB as JSON")
    .optional(),
};

/** One event as a client (the learner portal, an offline app) sends it; the server derives course and module. */
export const progressEventInput = z.discriminatedUnion("type", [
  z.object({ ...eventBase, type: z.literal("lesson_started") }),
  z.object({ ...eventBase, type: z.literal("lesson_completed") }),
  z.object({
    ...eventBase,
    type: z.literal("video_progress"),
    positionSeconds: seconds,
    durationSeconds: seconds.positive("A video lasts more than 0 seconds"),
    watchedRanges: z.array(watchedRange).max(1000).default([]),
  }),
  z.object({ ...eventBase, type: z.literal("resource_downloaded") }),
  z.object({
    ...eventBase,
    type: z.literal("quiz_attempted"),
    score: z.number().finite().nonnegative(),
    maxScore: z.number().finite().positive("A quiz's maximum score is more than 0"),
    /** Whether the quiz tool judged it a pass; the course's completion rule may ask for more. */
    passed: z.boolean().optional(),
  }),
  z.object({
    ...eventBase,
    type: z.literal("live_session_attended"),
    minutes: z
      .number()
      .finite()
      .nonnegative()
      .max(24 * 60),
  }),
  // Passing an assignment is the assessment workflow's word (or an import's), never the learner's own.
  z.object({ ...eventBase, type: z.literal("assignment_passed") }),
]);
export type ProgressEventInput = z.infer<typeof progressEventInput>;

export const recordProgressInput = progressEventInput;
export type RecordProgressInput = z.infer<typeof recordProgressInput>;

/** Up to 500 events at once, for offline or flaky clients; each is judged on its own. */
export const recordManyProgressInput = z.object({
  events: z.array(z.unknown()).min(1, "Send at least one event").max(500, "Send at most 500 events per batch"),
});
export type RecordManyProgressInput = z.infer<typeof recordManyProgressInput>;

/** Why one event was not recorded. */
export const progressRejection = z.enum([
  "invalid_event",
  "lesson_not_found",
  "access_denied",
  "wrong_lesson_kind",
  "idempotency_key_reused",
]);
export type ProgressRejection = z.infer<typeof progressRejection>;

/** The answer for one event: recorded, already recorded under its key, or refused with a reason in words. */
export const progressItemResult = z.discriminatedUnion("status", [
  z.object({ index: z.number().int(), status: z.literal("accepted"), eventId: uuid }),
  z.object({ index: z.number().int(), status: z.literal("duplicate"), eventId: uuid }),
  z.object({
    index: z.number().int(),
    status: z.literal("rejected"),
    code: progressRejection,
    reason: z.string(),
  }),
]);
export type ProgressItemResult = z.infer<typeof progressItemResult>;

/** Sources that may say an assignment was passed: the assessment workflow and imports of past records. */
export const assignmentPassSources: readonly ProgressEventSource[] = ["assessment", "import"];

const share = z.number().min(0).max(1);
const percent = z.number().min(0).max(100);

/**
 * When a course counts as completed, kept as data in `courses.settings.completion`. Every part is optional:
 * an empty object means "every required lesson completed", with the defaults below.
 */
export const completionRules = z
  .object({
    /** All required lessons, or at least this share of them (rounded up). */
    requiredLessons: z
      .union([z.literal("all"), z.object({ minimumShare: share.refine((value) => value > 0, "more than 0") })])
      .default("all"),
    /** A quiz lesson counts as completed with an attempt of at least this percent (else when the tool says passed). */
    minimumQuizPercent: percent.nullable().default(null),
    /** Per quiz lesson, its own minimum percent; these quizzes must be completed whether or not marked required. */
    quizMinimumPercent: z.record(uuid, percent).default({}),
    /** Every assignment lesson of the course must have been passed (an `assignment_passed` event). */
    assignmentsMustPass: z.boolean().default(true),
    /** A live session counts as attended after this many minutes in total. */
    liveSessionMinimumMinutes: z
      .number()
      .min(0)
      .max(24 * 60)
      .default(0),
    /** A video lesson counts as completed once this share of it has been watched (merged ranges). */
    videoWatchedFraction: share.default(0.9),
    /** A module's lessons count only once the module's prerequisite modules are completed. */
    modulePrerequisites: z.boolean().default(true),
  })
  .strict();
export type CompletionRules = z.infer<typeof completionRules>;
export type CompletionRulesInput = z.input<typeof completionRules>;

export const setCompletionRulesInput = z.object({ courseId: uuid, rules: completionRules });
export type SetCompletionRulesInput = z.infer<typeof setCompletionRulesInput>;

/** Rebuild projections from the event log: one course (every learner) or one learner (every course). */
export const rebuildProgressInput = z.union([
  z.object({ courseId: uuid }).strict(),
  z.object({ userId: uuid }).strict(),
]);
export type RebuildProgressInput = z.infer<typeof rebuildProgressInput>;

export const courseProgressInput = z.object({ courseId: uuid });

/** Why a completion rule cannot be saved for a course. */
export const completionRuleProblem = z.enum(["lesson_not_in_course", "not_a_quiz_lesson"]);
export type CompletionRuleProblem = z.infer<typeof completionRuleProblem>;

/** One lesson's progress, as the learner portal shows it. */
export const lessonProgressView = z.object({
  lessonId: uuid,
  startedAt: isoDateTime.nullable(),
  completedAt: isoDateTime.nullable(),
  watchedFraction: z.number().nullable(),
  bestScorePercent: z.number().nullable(),
  liveMinutes: z.number().nullable(),
  lastActivityAt: isoDateTime.nullable(),
});
export type LessonProgressView = z.infer<typeof lessonProgressView>;

export const courseProgressView = z.object({
  courseId: uuid,
  percent: z.number().int().min(0).max(100),
  completedLessons: z.number().int(),
  requiredLessons: z.number().int(),
  completedRequiredLessons: z.number().int(),
  lastActivityAt: isoDateTime.nullable(),
  completedAt: isoDateTime.nullable(),
  lessons: z.array(lessonProgressView),
});
export type CourseProgressView = z.infer<typeof courseProgressView>;
