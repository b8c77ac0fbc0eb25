import { createHash } from "node:crypto";
import type { LessonKind } from "@learnops/contracts/catalogue";
import {
  assignmentPassSources,
  type ProgressEventInput,
  type ProgressEventSource,
  type ProgressItemResult,
  type ProgressRejection,
} from "@learnops/contracts/progress";
import type { Database } from "@learnops/db/client";
import { loadAccessFacts } from "@learnops/db/queries/access";
import {
  appendProgressEventsAndRead,
  type CourseProgressRow,
  type CourseStructureRow,
  type LearnerProgressState,
  type LessonProgressRow,
  learnerProgressLock,
  loadCourseStructures,
  loadCourseStructuresOfLessons,
  lockLearnerProgressInScope,
  type NewProgressEvent,
  type StoredLessonProgress,
} from "@learnops/db/queries/progress";
import { withTenant } from "@learnops/db/tenancy";
import { type AccessFacts, decideAccess } from "@learnops/domain/access";
import { eventFitsLesson, fittingEventTypes, type LoggedProgressEvent } from "@learnops/domain/progress";
import type { PgBoss } from "pg-boss";
import type { AccessCache, CachedLessonFacts } from "./access-cache.ts";
import { loadLessonFacts, toAccessFacts } from "./access-decisions.ts";
import {
  continueStoredProgress,
  courseProgressRows,
  type FoldContext,
  foldContextOf,
  lessonProgressRows,
  refreshLearnerProgress,
} from "./progress-projections.ts";
import { progressWriterFor } from "./progress-writes.ts";

/** How far ahead of our clock a client's clock may be before an event is refused as from the future. */
const clockSkewAllowanceMs = 5 * 60_000;

/** Sources whose events stand for the learner's own use of a lesson, and so must pass the access engine. */
const learnerSources: readonly ProgressEventSource[] = ["portal", "xapi"];

/** Key order fixed at every depth, so equal events hash equally whatever order their fields came in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The hash of what an event says (its key aside): the same key with another payload is a reused key. */
export function progressEventHash(event: ProgressEventInput): string {
  const { idempotencyKey: _key, ...payload } = event;
  return createHash("sha256")
    .update(canonicalJson({ ...payload, occurredAt: new Date(event.occurredAt).toISOString() }))
    .digest("hex");
}

function rejected(index: number, code: ProgressRejection, reason: string): ProgressItemResult {
  return { index, status: "rejected", code, reason };
}

function typeColumns(event: ProgressEventInput) {
  return {
    position_seconds: event.type === "video_progress" ? event.positionSeconds : null,
    duration_seconds: event.type === "video_progress" ? event.durationSeconds : null,
    watched_ranges: event.type === "video_progress" ? JSON.stringify(event.watchedRanges ?? []) : null,
    score: event.type === "quiz_attempted" ? event.score : null,
    max_score: event.type === "quiz_attempted" ? event.maxScore : null,
    passed: event.type === "quiz_attempted" ? (event.passed ?? null) : null,
    minutes: event.type === "live_session_attended" ? event.minutes : null,
  };
}

/** The learner whose progress is recorded: who, where, and their client group (for access decisions). */
type Learner = { institutionId: string; userId: string; clientGroupId: string | null };

/** An event that passed the checks needing no data, with its payload hash. */
type Candidate = { index: number; event: ProgressEventInput; hash: string };

/** Each lesson of the loaded courses, with what recording needs of it. */
type LessonsById = ReadonlyMap<string, { id: string; course_id: string; module_id: string; kind: string }>;

/**
 * Records a learner's progress events (already parsed against `progressEventInput`) and updates their lesson
 * and course progress in the same transaction. Each event is judged on its own; results come in input order
 * with `index` = position: `accepted` (logged now), `duplicate` (its key was logged before with the same
 * payload: nothing changes) or `rejected` with a code and a reason in words.
 *
 * Outside a transaction, with the access cache, the common case is one statement (`record_progress`, ADR
 * 012): the events folded onto the learner's progress as this instance last saw it, written only if that is
 * still the stored state. Everything else (a first event of a lesson, events older than those folded, a
 * course completion, a refusal) takes the full path: a tenant transaction under the learner's progress lock,
 * set-based, with one lookup of known keys, one multi-row insert and one fold per batch. A transaction given
 * (a procedure's, an import's) is joined, and always takes the full path.
 *
 * Events of the portal and of xAPI must pass the access engine now; imports and the assessment workflow
 * record what staff or the platform already decided. `services.jobs` sends the course-completed job when an
 * event completes a course; without it the completion is still recorded (course progress, enrolment), but
 * nobody is emailed.
 *
 * `services.accessCache` lets the learner's access facts, the courses' structures and the learner's progress
 * states come from memory (ADR 011, 012) instead of queries per request, and outside a transaction opens the
 * one-statement path. Pass it only when `db` has written nothing yet (a procedure that records first): what
 * is loaded through it is kept for other requests. A refusal is never made on cached facts alone: a lesson
 * the cached facts deny is judged again on facts read now.
 */
export async function recordProgressEvents(
  db: Database,
  learner: Learner,
  events: readonly ProgressEventInput[],
  source: ProgressEventSource,
  now: Date,
  services: {
    jobs?: PgBoss | undefined;
    accessCache?: AccessCache | null | undefined;
    /** Set to true when the recording changed what the access cache holds (a completion): see ADR 012. */
    report?: { accessChanged: boolean };
  } = {},
): Promise<ProgressItemResult[]> {
  const cache = learnerSources.includes(source) ? (services.accessCache ?? null) : null;
  const results: (ProgressItemResult | undefined)[] = new Array(events.length);
  const candidates: Candidate[] = [];
  events.forEach((event, index) => {
    const occurredAt = new Date(event.occurredAt);
    if (occurredAt.getTime() > now.getTime() + clockSkewAllowanceMs) {
      results[index] = rejected(index, "invalid_event", "occurredAt is in the future");
    } else if (event.type === "assignment_passed" && !assignmentPassSources.includes(source)) {
      results[index] = rejected(index, "access_denied", "A passed assignment is recorded by its review, not sent in");
    } else {
      candidates.push({ index, event, hash: progressEventHash(event) });
    }
  });
  if (!candidates.length) return results as ProgressItemResult[];

  if (services.accessCache && !db.isTransaction) {
    const recorded = await recordInOneStatement(db, learner, candidates, source, now, services.accessCache);
    if (recorded) {
      for (const result of recorded.results) if (result) results[result.index] = result;
      if (recorded.accessChanged && services.report) services.report.accessChanged = true;
      return results as ProgressItemResult[];
    }
  }

  const scope = { institutionId: learner.institutionId, userId: learner.userId };
  const record = async (trx: Database): Promise<ProgressItemResult[]> => {
    const lessonIds = [...new Set(candidates.map((c) => c.event.lessonId))];
    const { facts: cachedFacts, structures } = cache
      ? await throughCache(cache, trx, learner, lessonIds, now)
      : {
          facts: new Map<string, CachedLessonFacts | null>(),
          structures: await loadCourseStructuresOfLessons(trx, lessonIds),
        };
    const lessonsById = lessonsOf(structures);

    // Judged before the log is read (the read and the append are one statement): a key logged already
    // overrides whatever is found here, below, as it would have been judged first.
    const { fresh, firstInBatch } = screen(candidates, lessonsById, results);

    // Access, once per distinct lesson, as of now; lessons completed in this batch count as prerequisites.
    let allowed = fresh;
    if (learnerSources.includes(source) && fresh.length) {
      const decisions = new Map<string, { allowed: boolean; reason: string }>();
      for (const lessonId of new Set(fresh.map((c) => c.event.lessonId))) {
        const cached = cachedFacts.get(lessonId);
        if (cached) {
          const decision = decideInBatch(cached.facts, learner, fresh, now);
          // Allowed on the cached facts: as access.check would answer. A refusal is judged on facts read now.
          if (decision.allowed) {
            decisions.set(lessonId, decision);
            continue;
          }
        }
        const row = await loadAccessFacts(trx, { userId: learner.userId, lessonId }, now);
        if (!row) {
          decisions.set(lessonId, { allowed: false, reason: "Lesson was not found" });
          continue;
        }
        decisions.set(lessonId, decideInBatch(toAccessFacts(row, null), learner, fresh, now));
      }
      allowed = fresh.filter(({ index, event }) => {
        const decision = decisions.get(event.lessonId);
        if (decision?.allowed) return true;
        results[index] = rejected(index, "access_denied", decision?.reason ?? "Lesson was not found");
        return false;
      });
    }

    const rows = allowed.map((candidate) => eventRow(learner, lessonsById, candidate, source, now));
    const { known, inserted, stored } = await appendProgressEventsAndRead(trx, {
      userId: learner.userId,
      keys: [...new Set(candidates.map((c) => c.event.idempotencyKey))],
      events: rows,
      lessonIds: [...new Set(rows.map((row) => row.lesson_id))],
    });
    const idByKey = new Map(inserted.map((row) => [row.idempotency_key, row.id]));
    settleLogged(candidates, allowed, known, idByKey, firstInBatch, results);

    if (inserted.length) {
      const { lessonsByCourse, newEvents } = groupNewEvents(rows.filter((row) => idByKey.has(row.idempotency_key)));
      const { accessChanged } = await refreshLearnerProgress(
        trx,
        learner,
        lessonsByCourse,
        { now, jobs: services.jobs },
        structures,
        newEvents,
        stored,
      );
      if (accessChanged && services.report) services.report.accessChanged = true;
      // What this instance kept of the learner's progress in these courses is older than the store now.
      for (const courseId of lessonsByCourse.keys()) services.accessCache?.forgetProgressState(learner, courseId);
    }
    return results as ProgressItemResult[];
  };

  // In a procedure's tenant transaction already: lock, and check its scope, in one round trip.
  if (db.isTransaction && (await lockLearnerProgressInScope(db, scope))) return record(db);
  // Otherwise the statement that sets the scope takes the lock too (a transaction given has taken it above).
  return withTenant(db, scope, record, { also: db.isTransaction ? [] : [learnerProgressLock(learner.userId)] });
}

/**
 * The lessons' access facts (null: not a lesson of this institution) and their courses' structures, from the
 * access cache or loaded into it through `db`: a tenant transaction, or the pool (the facts' function scopes
 * itself; a structure is read in a tenant transaction of its own).
 */
async function throughCache(
  cache: AccessCache,
  db: Database,
  learner: Learner,
  lessonIds: readonly string[],
  now: Date,
): Promise<{ facts: Map<string, CachedLessonFacts | null>; structures: Map<string, CourseStructureRow> }> {
  const facts = new Map<string, CachedLessonFacts | null>();
  for (const lessonId of lessonIds) {
    facts.set(lessonId, await cache.lessonFacts(learner, lessonId, () => loadLessonFacts(db, learner, lessonId, now)));
  }
  const loadStructure = async (courseId: string) => {
    const load = (trx: Database) => loadCourseStructures(trx, [courseId]);
    const found = db.isTransaction ? await load(db) : await withTenant(db, learner, load);
    return found.get(courseId) ?? null;
  };
  const structures = new Map<string, CourseStructureRow>();
  for (const courseId of new Set([...facts.values()].flatMap((found) => (found ? [found.courseId] : [])))) {
    const structure = await cache.courseStructure(learner.institutionId, courseId, () => loadStructure(courseId));
    if (structure) structures.set(courseId, structure);
  }
  return { facts, structures };
}

/** How many times the one-statement path folds again on a state that changed meanwhile before giving way. */
const statementAttempts = 3;

/**
 * The one-statement path (ADR 012): every event fits its lesson, is allowed on the cached facts, and folds
 * onto a stored row of its lesson without completing a course. The learner's progress per course comes from
 * the cache; `record_progress` writes only if it is still the stored one, and otherwise returns it (or the
 * keys it knows already) to fold again. Null when the full path must decide, having written nothing.
 */
async function recordInOneStatement(
  db: Database,
  learner: Learner,
  candidates: readonly Candidate[],
  source: ProgressEventSource,
  now: Date,
  cache: AccessCache,
): Promise<{ results: (ProgressItemResult | undefined)[]; accessChanged: boolean } | null> {
  const lessonIds = [...new Set(candidates.map((c) => c.event.lessonId))];
  const { facts, structures } = await throughCache(cache, db, learner, lessonIds, now);
  // A lesson not found here, or a course not loaded: the full path says so.
  if ([...facts.values()].some((found) => !found || !structures.has(found.courseId))) return null;
  const lessonsById = lessonsOf(structures);
  const results: (ProgressItemResult | undefined)[] = [];
  const { fresh, firstInBatch } = screen(candidates, lessonsById, results);
  // Any refusal, of the screen or of the access engine on cached facts, is the full path's to make.
  if (results.some((result) => result !== undefined)) return null;
  if (learnerSources.includes(source)) {
    for (const found of facts.values()) {
      if (found && !decideInBatch(found.facts, learner, fresh, now).allowed) return null;
    }
  }
  const context = foldContextOf(structures);

  let pending = fresh;
  const known: { id: string; idempotency_key: string; payload_sha256: string }[] = [];
  // Whether the states folded onto were read by this request (a cached one may be older than the store).
  let statesReadNow = false;
  for (let attempt = 0; attempt < statementAttempts; attempt++) {
    const rows = pending.map((candidate) => eventRow(learner, lessonsById, candidate, source, now));
    const { lessonsByCourse, newEvents } = groupNewEvents(rows);
    const courseIds = [...lessonsByCourse.keys()];
    const states = courseIds.map((courseId) => cache.progressState(learner, courseId));
    let write = states.every((state) => state !== undefined)
      ? foldOntoStates(learner, context, structures, lessonsByCourse, newEvents, states as LearnerProgressState[], now)
      : null;
    if (write === "full path") {
      if (statesReadNow) return null;
      // Decided on what this instance saw last: read the states now (the attempt below), and decide again.
      write = null;
    }
    const outcome = await progressWriterFor(db).write(learner.institutionId, {
      userId: learner.userId,
      courses: courseIds.map((courseId, i) => ({
        courseId,
        fingerprint: write ? (states[i]?.fingerprint ?? null) : null,
      })),
      keys: [...new Set(pending.map((c) => c.event.idempotencyKey))],
      events: write ? rows : [],
      lessons: write?.lessonRows ?? [],
      courseRows: write?.courseRows ?? [],
    });
    if (outcome.outcome === "stale") {
      for (const state of outcome.states) cache.keepProgressState(learner, state);
      statesReadNow = true;
      continue;
    }
    if (outcome.outcome === "known") {
      known.push(...outcome.known);
      const knownKeys = new Set(outcome.known.map((row) => row.idempotency_key));
      pending = pending.filter((c) => !knownKeys.has(c.event.idempotencyKey));
      if (pending.length) continue;
      settleLogged(candidates, fresh, known, new Map(), firstInBatch, results);
      return { results, accessChanged: false };
    }
    if (!write) throw new Error("record_progress wrote with no state given");
    // The rows written have new versions; the others keep theirs.
    for (const state of write.states.values()) {
      const course = outcome.courses[state.course_id];
      cache.keepProgressState(learner, {
        ...state,
        fingerprint: {
          lessons: {
            ...state.fingerprint.lessons,
            ...Object.fromEntries(
              state.lessons.flatMap((row) => {
                const version = outcome.lessons[row.lesson_id];
                return version ? [[row.lesson_id, version]] : [];
              }),
            ),
          },
          course: course ?? state.fingerprint.course,
        },
      });
    }
    const idByKey = new Map(outcome.inserted.map((row) => [row.idempotency_key, row.id]));
    settleLogged(candidates, fresh, known, idByKey, firstInBatch, results);
    return { results, accessChanged: write.completionChanged };
  }
  return null;
}

/**
 * The new events folded onto the learner's progress states (one per course, in `lessonsByCourse`'s order):
 * the rows to write, and the states they make. "full path" when a lesson has no stored row to continue
 * from, or its events are older than those folded, or a course would be completed: what the full path does.
 */
function foldOntoStates(
  learner: Learner,
  context: FoldContext,
  structures: ReadonlyMap<string, CourseStructureRow>,
  lessonsByCourse: ReadonlyMap<string, ReadonlySet<string>>,
  newEvents: ReadonlyMap<string, readonly LoggedProgressEvent[]>,
  states: readonly LearnerProgressState[],
  now: Date,
) {
  const stored = states.flatMap((state) => state.lessons);
  const folded = continueStoredProgress(context, stored, newEvents);
  if ([...newEvents.keys()].some((lessonId) => !folded.has(lessonId))) return "full path" as const;
  const lessonRows = lessonProgressRows(learner, lessonsByCourse, folded, now);
  const written = new Map(lessonRows.map((row) => [row.lesson_id, storedOf(row)]));
  const lessons = stored.map((row) => written.get(row.lesson_id) ?? row);
  const courses = states.flatMap((state) => (state.course ? [{ ...state.course, course_id: state.course_id }] : []));
  const { rows: courseRows, completions } = courseProgressRows(
    learner,
    [...lessonsByCourse.keys()],
    structures,
    { lessons, courses },
    now,
  );
  if (completions.length) return "full path" as const;
  const completionChanged = stored.some((row) => {
    const next = written.get(row.lesson_id);
    return next !== undefined && next.completed_at?.getTime() !== row.completed_at?.getTime();
  });
  const newCourses = new Map(courseRows.map((row) => [row.course_id, row]));
  const after = new Map(
    states.map((state) => {
      const course = newCourses.get(state.course_id);
      return [
        state.course_id,
        {
          ...state,
          lessons: state.lessons.map((row) => written.get(row.lesson_id) ?? row),
          course: course ? storedCourseOf(course) : state.course,
        },
      ];
    }),
  );
  return { lessonRows, courseRows, completionChanged, states: after };
}

/** A lesson row as written, as a read would give it back. */
function storedOf(row: LessonProgressRow): StoredLessonProgress {
  const { updated_at: _updatedAt, watched_ranges, ...rest } = row;
  return { ...rest, watched_ranges: JSON.parse(watched_ranges) as [number, number][] };
}

function storedCourseOf(row: CourseProgressRow): NonNullable<LearnerProgressState["course"]> {
  const { institution_id: _institution, user_id: _user, course_id: _course, updated_at: _updated, ...rest } = row;
  return rest;
}

/**
 * The checks needing the courses' structures: an unknown lesson, or an event that does not fit its lesson's
 * kind, is rejected into `results`. A key repeated within the batch is left for `settleLogged`, which
 * gives it its first occurrence's fate. `fresh`: the first occurrences that passed.
 */
function screen(
  candidates: readonly Candidate[],
  lessonsById: LessonsById,
  results: (ProgressItemResult | undefined)[],
) {
  const firstInBatch = new Map<string, { index: number; hash: string }>();
  const fresh: Candidate[] = [];
  for (const candidate of candidates) {
    const { index, event, hash } = candidate;
    if (firstInBatch.has(event.idempotencyKey)) continue;
    const lesson = lessonsById.get(event.lessonId);
    if (!lesson) {
      results[index] = rejected(index, "lesson_not_found", "Lesson was not found");
      continue;
    }
    if (!eventFitsLesson(event.type, lesson.kind as LessonKind)) {
      results[index] = rejected(
        index,
        "wrong_lesson_kind",
        `A ${lesson.kind.replace("_", " ")} lesson takes ${fittingEventTypes(lesson.kind as LessonKind).join(", ")}, not ${event.type}`,
      );
      continue;
    }
    firstInBatch.set(event.idempotencyKey, { index, hash });
    fresh.push(candidate);
  }
  return { fresh, firstInBatch };
}

/** The access decision on these facts now, counting the lessons this batch completes as prerequisites met. */
function decideInBatch(
  facts: Omit<AccessFacts, "learnerClientGroupId">,
  learner: Learner,
  batch: readonly Candidate[],
  now: Date,
) {
  const completedInBatch = batch.filter((c) => c.event.type === "lesson_completed").map((c) => c.event.lessonId);
  return decideAccess(
    {
      ...facts,
      learnerClientGroupId: learner.clientGroupId,
      completedLessonIds: new Set([...facts.completedLessonIds, ...completedInBatch]),
    },
    now,
  );
}

/** The log row of an allowed event. */
function eventRow(
  learner: Learner,
  lessonsById: LessonsById,
  { event, hash }: Candidate,
  source: ProgressEventSource,
  now: Date,
): NewProgressEvent {
  const lesson = lessonsById.get(event.lessonId);
  if (!lesson) throw new Error("an allowed event has no lesson");
  return {
    institution_id: learner.institutionId,
    user_id: learner.userId,
    course_id: lesson.course_id,
    module_id: lesson.module_id,
    lesson_id: lesson.id,
    type: event.type,
    occurred_at: new Date(event.occurredAt),
    received_at: now,
    source,
    idempotency_key: event.idempotencyKey,
    payload_sha256: hash,
    metadata: JSON.stringify(event.metadata ?? {}),
    ...typeColumns(event),
  };
}

/** Newly logged rows by course (their lessons) and by lesson (as the fold reads them). */
function groupNewEvents(rows: readonly NewProgressEvent[]) {
  const lessonsByCourse = new Map<string, Set<string>>();
  const newEvents = new Map<string, LoggedProgressEvent[]>();
  for (const row of rows) {
    lessonsByCourse.set(row.course_id, (lessonsByCourse.get(row.course_id) ?? new Set()).add(row.lesson_id));
    newEvents.set(row.lesson_id, [...(newEvents.get(row.lesson_id) ?? []), loggedEventOf(row)]);
  }
  return { lessonsByCourse, newEvents };
}

/**
 * The results of everything that reached the log: a key logged before is a duplicate if the payload is the
 * same and a reused key if not, whatever else holds; an allowed event logged now is accepted; a key repeated
 * within the batch follows its first occurrence.
 */
function settleLogged(
  candidates: readonly Candidate[],
  allowed: readonly Candidate[],
  known: readonly { id: string; idempotency_key: string; payload_sha256: string }[],
  idByKey: ReadonlyMap<string, string>,
  firstInBatch: ReadonlyMap<string, { index: number; hash: string }>,
  results: (ProgressItemResult | undefined)[],
): void {
  const knownByKey = new Map(known.map((row) => [row.idempotency_key, row]));
  for (const { index, event, hash } of candidates) {
    const logged = knownByKey.get(event.idempotencyKey);
    if (!logged) continue;
    results[index] =
      logged.payload_sha256 === hash
        ? { index, status: "duplicate", eventId: logged.id }
        : rejected(index, "idempotency_key_reused", "This idempotency key was used before for another event");
  }
  for (const { index, event } of allowed) {
    if (knownByKey.has(event.idempotencyKey)) continue;
    const id = idByKey.get(event.idempotencyKey);
    // Under the learner's lock no one else can have logged the key meanwhile; the check keeps it honest.
    results[index] = id
      ? { index, status: "accepted", eventId: id }
      : rejected(index, "idempotency_key_reused", "This idempotency key was used before for another event");
  }
  for (const { index, event, hash } of candidates) {
    if (results[index]) continue;
    const first = firstInBatch.get(event.idempotencyKey);
    const firstResult = first ? results[first.index] : undefined;
    if (!first || !firstResult) throw new Error("a repeated key has no first occurrence");
    if (firstResult.status === "rejected") {
      // Refused like its first occurrence (say, access denied): nothing of either was logged.
      results[index] = { ...firstResult, index };
    } else if (first.hash !== hash) {
      results[index] = rejected(
        index,
        "idempotency_key_reused",
        "This idempotency key was used before for another event",
      );
    } else {
      results[index] = { index, status: "duplicate", eventId: firstResult.eventId };
    }
  }
}

/** An event just logged, as the fold reads it. */
function loggedEventOf(row: NewProgressEvent): LoggedProgressEvent {
  return {
    type: row.type as LoggedProgressEvent["type"],
    occurredAt: row.occurred_at,
    idempotencyKey: row.idempotency_key,
    positionSeconds: row.position_seconds,
    durationSeconds: row.duration_seconds,
    watchedRanges: row.watched_ranges ? (JSON.parse(row.watched_ranges) as [number, number][]) : [],
    score: row.score,
    maxScore: row.max_score,
    passed: row.passed,
    minutes: row.minutes,
  };
}

/** Every lesson of the loaded courses, with what recording needs of it. */
function lessonsOf(structures: ReadonlyMap<string, CourseStructureRow>) {
  const lessons = new Map<string, { id: string; course_id: string; module_id: string; kind: string }>();
  for (const structure of structures.values()) {
    for (const lesson of structure.lessons) lessons.set(lesson.id, { ...lesson, course_id: structure.id });
  }
  return lessons;
}
