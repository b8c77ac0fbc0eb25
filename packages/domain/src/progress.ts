import type { LessonKind } from "@learnops/contracts/catalogue";
import type { CompletionRuleProblem, CompletionRules, ProgressEventType } from "@learnops/contracts/progress";

/**
 * The progress engine's rules, with no I/O: which events fit which lesson, how a lesson's events fold into its
 * progress, and how a course's lesson progress and completion rules make its progress and completion.
 *
 * Every projection is a function of the *set* of events, never of the order they arrived in: watched ranges
 * are merged, the best score kept, the earliest start taken, and a completion is dated by the `occurredAt` of
 * the event that completed it (events sorted by occurrence, ties broken by idempotency key). The incremental
 * path and the rebuild both call these functions, so they cannot disagree.
 */

/** Which event types each kind of lesson accepts; anything else is `wrong_lesson_kind`. */
const fittingEvents: Record<LessonKind, readonly ProgressEventType[]> = {
  video: ["lesson_started", "lesson_completed", "video_progress"],
  reading: ["lesson_started", "lesson_completed"],
  resource: ["lesson_started", "lesson_completed", "resource_downloaded"],
  quiz: ["lesson_started", "quiz_attempted"],
  assignment: ["lesson_started", "lesson_completed", "assignment_passed"],
  live_session: ["lesson_started", "live_session_attended"],
};

export function eventFitsLesson(type: ProgressEventType, kind: LessonKind): boolean {
  return fittingEvents[kind].includes(type);
}

export function fittingEventTypes(kind: LessonKind): readonly ProgressEventType[] {
  return fittingEvents[kind];
}

/** An event as the log holds it, with the type-specific fields of its type (null otherwise). */
export interface LoggedProgressEvent {
  type: ProgressEventType;
  occurredAt: Date;
  idempotencyKey: string;
  positionSeconds: number | null;
  durationSeconds: number | null;
  watchedRanges: readonly (readonly [number, number])[];
  score: number | null;
  maxScore: number | null;
  passed: boolean | null;
  minutes: number | null;
}

/** One learner's progress in one lesson. */
export interface LessonProgress {
  startedAt: Date | null;
  completedAt: Date | null;
  lastActivityAt: Date | null;
  eventCount: number;
  /** Seconds covered by the merged watched ranges, of the longest duration reported. */
  watchedSeconds: number | null;
  durationSeconds: number | null;
  watchedFraction: number | null;
  /** The playback position of the latest video event (by occurrence). */
  lastPositionSeconds: number | null;
  bestScore: number | null;
  bestMaxScore: number | null;
  bestScorePercent: number | null;
  quizAttempts: number;
  liveMinutes: number | null;
  downloadedAt: Date | null;
  assignmentPassedAt: Date | null;
  /** The merged watched stretches (sorted, disjoint), kept so later events can be folded onto this state. */
  watchedStretches: [number, number][];
}

/** Events in occurrence order; the idempotency key (unique per learner) breaks ties so the order is total. */
function byOccurrence(a: LoggedProgressEvent, b: LoggedProgressEvent): number {
  const difference = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (difference !== 0) return difference;
  return a.idempotencyKey < b.idempotencyKey ? -1 : a.idempotencyKey > b.idempotencyKey ? 1 : 0;
}

/**
 * Watched stretches of one video, kept merged (sorted, disjoint, clamped to the video) with their total, so
 * adding one more range costs the number of stretches, not a sort of everything watched so far.
 */
export class WatchedRanges {
  private readonly stretches: [number, number][];
  private readonly limit: number;

  constructor(limit: number, stretches: readonly (readonly [number, number])[] = []) {
    this.limit = limit;
    this.stretches = stretches.map(([start, end]) => [start, end]);
  }

  add(range: readonly [number, number]): void {
    let start = Math.max(0, range[0]);
    let end = Math.min(this.limit, range[1]);
    if (end <= start) return;
    // Stretches before the new one stay; those it touches merge into it; those after it stay.
    let first = 0;
    while (first < this.stretches.length && (this.stretches[first]?.[1] ?? 0) < start) first++;
    let last = first;
    while (last < this.stretches.length && (this.stretches[last]?.[0] ?? 0) <= end) {
      const [touchedStart, touchedEnd] = this.stretches[last] as [number, number];
      start = Math.min(start, touchedStart);
      end = Math.max(end, touchedEnd);
      last++;
    }
    this.stretches.splice(first, last - first, [start, end]);
  }

  /** Summed in order from the stretches alone, so a state rebuilt from them gives the very same number. */
  get length(): number {
    let total = 0;
    for (const [start, end] of this.stretches) total += end - start;
    return total;
  }

  toArray(): [number, number][] {
    return this.stretches.map(([start, end]) => [start, end]);
  }
}

/** Total length covered by ranges clamped to [0, limit], overlaps counted once. */
export function mergedLength(ranges: readonly (readonly [number, number])[], limit: number): number {
  const merged = new WatchedRanges(limit);
  for (const range of ranges) merged.add(range);
  return merged.length;
}

/** The minimum percent a quiz lesson asks for under the rules, or null when the quiz tool's pass decides. */
export function quizThreshold(lessonId: string, rules: CompletionRules): number | null {
  return rules.quizMinimumPercent[lessonId] ?? rules.minimumQuizPercent;
}

/** The progress of a lesson nobody has done anything in yet. */
export function emptyLessonProgress(): LessonProgress {
  return {
    startedAt: null,
    completedAt: null,
    lastActivityAt: null,
    eventCount: 0,
    watchedSeconds: null,
    durationSeconds: null,
    watchedFraction: null,
    lastPositionSeconds: null,
    bestScore: null,
    bestMaxScore: null,
    bestScorePercent: null,
    quizAttempts: 0,
    liveMinutes: null,
    downloadedAt: null,
    assignmentPassedAt: null,
    watchedStretches: [],
  };
}

/** Folds one learner's events for one lesson (in any order, duplicates already removed) into its progress. */
export function foldLessonProgress(
  lesson: { id: string; kind: LessonKind },
  events: readonly LoggedProgressEvent[],
  rules: CompletionRules,
): LessonProgress {
  const progress = continueLessonProgress(lesson, emptyLessonProgress(), events, rules);
  if (!progress) throw new Error("a fold from nothing always continues");
  return progress;
}

/**
 * Folds more events onto a lesson's progress, as `foldLessonProgress` would have had it seen them all: possible
 * when every new event happened after the last one folded, and no new video duration exceeds the one the
 * watched share was measured against. Otherwise null, and the caller folds the lesson's whole log.
 */
export function continueLessonProgress(
  lesson: { id: string; kind: LessonKind },
  previous: LessonProgress,
  events: readonly LoggedProgressEvent[],
  rules: CompletionRules,
): LessonProgress | null {
  const sorted = events.toSorted(byOccurrence);
  const after = previous.lastActivityAt;
  if (after && sorted.some((event) => event.occurredAt <= after)) return null;

  const progress: LessonProgress = { ...previous, watchedStretches: previous.watchedStretches };
  const videoEvents = sorted.filter((event) => event.type === "video_progress");
  const newDuration = Math.max(0, ...videoEvents.map((event) => event.durationSeconds ?? 0));
  if (videoEvents.length && previous.durationSeconds !== null && newDuration > previous.durationSeconds) return null;
  const duration = Math.max(newDuration, previous.durationSeconds ?? 0);
  const watched = new WatchedRanges(duration, previous.watchedStretches);
  const threshold = quizThreshold(lesson.id, rules);

  for (const event of sorted) {
    const at = event.occurredAt;
    progress.startedAt ??= at;
    progress.lastActivityAt = at;
    progress.eventCount += 1;
    switch (lesson.kind) {
      case "reading":
        if (event.type === "lesson_completed") progress.completedAt ??= at;
        break;
      case "resource":
        if (event.type === "resource_downloaded") progress.downloadedAt ??= at;
        if (event.type === "resource_downloaded" || event.type === "lesson_completed") progress.completedAt ??= at;
        break;
      case "video":
        if (event.type === "video_progress") {
          for (const range of event.watchedRanges) watched.add(range);
          progress.lastPositionSeconds = event.positionSeconds;
          // The first moment the merged ranges reach the rule's share completes the lesson.
          if (
            rules.videoWatchedFraction > 0 &&
            duration > 0 &&
            watched.length / duration >= rules.videoWatchedFraction
          ) {
            progress.completedAt ??= at;
          }
        }
        // With no share to watch, the first sign of the video (or the player's "completed") completes it.
        if (
          rules.videoWatchedFraction === 0 &&
          (event.type === "video_progress" || event.type === "lesson_completed")
        ) {
          progress.completedAt ??= at;
        }
        break;
      case "quiz":
        if (event.type === "quiz_attempted") {
          const score = event.score ?? 0;
          const maxScore = event.maxScore ?? 1;
          const percent = (100 * score) / maxScore;
          progress.quizAttempts += 1;
          if (progress.bestScorePercent === null || percent > progress.bestScorePercent) {
            progress.bestScorePercent = percent;
            progress.bestScore = score;
            progress.bestMaxScore = maxScore;
          }
          if (threshold === null ? event.passed !== false : percent >= threshold) progress.completedAt ??= at;
        }
        break;
      case "assignment":
        if (event.type === "assignment_passed") {
          progress.assignmentPassedAt ??= at;
          progress.completedAt ??= at;
        }
        if (event.type === "lesson_completed" && !rules.assignmentsMustPass) progress.completedAt ??= at;
        break;
      case "live_session":
        if (event.type === "live_session_attended") {
          progress.liveMinutes = (progress.liveMinutes ?? 0) + (event.minutes ?? 0);
          if (progress.liveMinutes >= rules.liveSessionMinimumMinutes) progress.completedAt ??= at;
        }
        break;
    }
  }
  if (lesson.kind === "video" && (videoEvents.length || previous.durationSeconds !== null)) {
    progress.durationSeconds = duration;
    progress.watchedStretches = watched.toArray();
    progress.watchedSeconds = watched.length;
    progress.watchedFraction = duration > 0 ? watched.length / duration : 0;
  }
  return progress;
}

/** What the course evaluation needs of each lesson. */
export interface CourseLesson {
  id: string;
  moduleId: string;
  kind: LessonKind;
  required: boolean;
}

export interface CourseStructure {
  lessons: readonly CourseLesson[];
  modules: readonly { id: string; prerequisiteModuleIds: readonly string[] }[];
}

/** One learner's progress in one course, and when they completed it under the rules. */
export interface CourseProgress {
  percent: number;
  lessonCount: number;
  completedLessons: number;
  requiredLessons: number;
  completedRequiredLessons: number;
  lastActivityAt: Date | null;
  completedAt: Date | null;
}

/** The lessons that must be completed whatever their `required` flag: named quizzes, and assignments to pass. */
export function mandatoryLessonIds(structure: CourseStructure, rules: CompletionRules): Set<string> {
  const mandatory = new Set<string>();
  for (const lesson of structure.lessons) {
    if (lesson.kind === "quiz" && lesson.id in rules.quizMinimumPercent) mandatory.add(lesson.id);
    if (lesson.kind === "assignment" && rules.assignmentsMustPass) mandatory.add(lesson.id);
  }
  return mandatory;
}

/**
 * When each lesson's completion counts for the course: its own completion, but not before every prerequisite
 * module (and theirs, transitively) is complete. A module is complete when all its required lessons count.
 */
function countedCompletionTimes(
  structure: CourseStructure,
  progress: ReadonlyMap<string, { completedAt: Date | null }>,
  rules: CompletionRules,
): Map<string, number> {
  const lessonsOf = new Map<string, CourseLesson[]>();
  for (const lesson of structure.lessons) {
    lessonsOf.set(lesson.moduleId, [...(lessonsOf.get(lesson.moduleId) ?? []), lesson]);
  }
  const prerequisitesOf = new Map(structure.modules.map((module) => [module.id, module.prerequisiteModuleIds]));
  const gates = new Map<string, number>();
  const completions = new Map<string, number>();
  const visiting = new Set<string>();

  // The time from which a module's lessons count: -Infinity when it has no prerequisites, Infinity never.
  const gate = (moduleId: string): number => {
    if (!rules.modulePrerequisites) return Number.NEGATIVE_INFINITY;
    const known = gates.get(moduleId);
    if (known !== undefined) return known;
    if (visiting.has(moduleId)) return Number.POSITIVE_INFINITY; // a cycle is never satisfied
    visiting.add(moduleId);
    let time = Number.NEGATIVE_INFINITY;
    for (const required of prerequisitesOf.get(moduleId) ?? []) time = Math.max(time, moduleCompletion(required));
    visiting.delete(moduleId);
    gates.set(moduleId, time);
    return time;
  };
  const ownTime = (lessonId: string) => {
    const completedAt = progress.get(lessonId)?.completedAt;
    return completedAt ? completedAt.getTime() : Number.POSITIVE_INFINITY;
  };
  const moduleCompletion = (moduleId: string): number => {
    const known = completions.get(moduleId);
    if (known !== undefined) return known;
    let time = gate(moduleId);
    for (const lesson of lessonsOf.get(moduleId) ?? []) if (lesson.required) time = Math.max(time, ownTime(lesson.id));
    completions.set(moduleId, time);
    return time;
  };

  const counted = new Map<string, number>();
  for (const lesson of structure.lessons) {
    const time = Math.max(ownTime(lesson.id), gate(lesson.moduleId));
    if (Number.isFinite(time)) counted.set(lesson.id, time);
  }
  return counted;
}

/** A course's progress for one learner from their lesson progress, under the course's completion rules. */
export function evaluateCourseProgress(
  structure: CourseStructure,
  progress: ReadonlyMap<string, { completedAt: Date | null; lastActivityAt: Date | null }>,
  rules: CompletionRules,
): CourseProgress {
  const counted = countedCompletionTimes(structure, progress, rules);
  const required = structure.lessons.filter((lesson) => lesson.required);
  const mandatory = [...mandatoryLessonIds(structure, rules)];
  const requiredTimes = required
    .flatMap((lesson) => {
      const time = counted.get(lesson.id);
      return time === undefined ? [] : [time];
    })
    .toSorted((a, b) => a - b);
  const needed =
    rules.requiredLessons === "all" ? required.length : Math.ceil(rules.requiredLessons.minimumShare * required.length);
  const mandatoryOutsideRequired = mandatory.filter((id) => !required.some((lesson) => lesson.id === id));

  let completedAt: number | null = null;
  const requiredMet = requiredTimes.length >= needed;
  const mandatoryTimes = mandatory.map((id) => counted.get(id));
  if (requiredMet && mandatoryTimes.every((time) => time !== undefined) && needed + mandatory.length > 0) {
    completedAt = Math.max(
      needed > 0 ? (requiredTimes[needed - 1] ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY,
      ...(mandatoryTimes as number[]),
    );
  }

  const total = needed + mandatoryOutsideRequired.length;
  const done = Math.min(requiredTimes.length, needed) + mandatoryOutsideRequired.filter((id) => counted.has(id)).length;
  const percent = completedAt !== null ? 100 : total === 0 ? 0 : Math.min(99, Math.floor((100 * done) / total));

  let lastActivity: Date | null = null;
  for (const lesson of structure.lessons) {
    const at = progress.get(lesson.id)?.lastActivityAt ?? null;
    if (at && (!lastActivity || at > lastActivity)) lastActivity = at;
  }
  return {
    percent,
    lessonCount: structure.lessons.length,
    completedLessons: counted.size,
    requiredLessons: required.length,
    completedRequiredLessons: requiredTimes.length,
    lastActivityAt: lastActivity,
    completedAt: completedAt === null ? null : new Date(completedAt),
  };
}

/** What is wrong with a course's completion rules, lesson by lesson; empty when they can be saved. */
export function completionRuleProblems(
  structure: CourseStructure,
  rules: CompletionRules,
): { lessonId: string; problem: CompletionRuleProblem }[] {
  const lessons = new Map(structure.lessons.map((lesson) => [lesson.id, lesson]));
  return Object.keys(rules.quizMinimumPercent).flatMap(
    (lessonId): { lessonId: string; problem: CompletionRuleProblem }[] => {
      const lesson = lessons.get(lessonId);
      if (!lesson) return [{ lessonId, problem: "lesson_not_in_course" }];
      if (lesson.kind !== "quiz") return [{ lessonId, problem: "not_a_quiz_lesson" }];
      return [];
    },
  );
}
