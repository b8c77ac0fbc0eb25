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
  type CourseStructureRow,
  loadCourseStructures,
  loadCourseStructuresOfLessons,
  lockLearnerProgress,
  lockLearnerProgressInScope,
  type NewProgressEvent,
} from "@learnops/db/queries/progress";
import { withTenant } from "@learnops/db/tenancy";
import { type AccessFacts, decideAccess } from "@learnops/domain/access";
import { eventFitsLesson, fittingEventTypes, type LoggedProgressEvent } from "@learnops/domain/progress";
import type { PgBoss } from "pg-boss";
import type { AccessCache, CachedLessonFacts } from "./access-cache.ts";
import { toAccessFacts } from "./access-decisions.ts";
import { refreshLearnerProgress } from "./progress-projections.ts";

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

/**
 * Records a learner's progress events (already parsed against `progressEventInput`) and updates their lesson
 * and course progress in the same transaction. Each event is judged on its own; results come in input order
 * with `index` = position: `accepted` (logged now), `duplicate` (its key was logged before with the same
 * payload: nothing changes) or `rejected` with a code and a reason in words. Set-based: one lookup of known
 * keys, one of the lessons, one access load per distinct lesson, one multi-row insert, one fold per batch.
 *
 * Opens the tenant transaction, or joins the caller's (a procedure's). Events of the portal and of xAPI must
 * pass the access engine now; imports and the assessment workflow record what staff or the platform already
 * decided. `services.jobs` sends the course-completed job when an event completes a course; without it the
 * completion is still recorded (course progress, enrolment), but nobody is emailed.
 *
 * `services.accessCache` lets the learner's access facts and the courses' structures come from memory (ADR
 * 011, 012) instead of two queries per request. Pass it only when this transaction has written nothing yet
 * (a procedure that records first): what is loaded through it is kept for other requests. A refusal is never
 * made on cached facts alone: a lesson the cached facts deny is judged again on facts read now.
 */
export async function recordProgressEvents(
  db: Database,
  learner: { institutionId: string; userId: string; clientGroupId: string | null },
  events: readonly ProgressEventInput[],
  source: ProgressEventSource,
  now: Date,
  services: {
    jobs?: PgBoss | undefined;
    accessCache?: AccessCache | null | undefined;
    /** Set to true when the recording changed what the access cache holds (a completion): see ADR 012. */
    report?: { accessChanged: boolean };
    /**
     * Whose progress lock `db` (a tenant transaction) holds already, in which institution: a procedure's that
     * took it with the tenant settings (`progressRecordingProcedure`). Used only when it names this learner.
     */
    heldLock?: { institutionId: string; userId: string } | null | undefined;
  } = {},
): Promise<ProgressItemResult[]> {
  const cache = learnerSources.includes(source) ? (services.accessCache ?? null) : null;
  const results: (ProgressItemResult | undefined)[] = new Array(events.length);
  const candidates: { index: number; event: ProgressEventInput; hash: string }[] = [];
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

  const scope = { institutionId: learner.institutionId, userId: learner.userId };
  const record = async (trx: Database): Promise<ProgressItemResult[]> => {
    const lessonIds = [...new Set(candidates.map((c) => c.event.lessonId))];
    const cachedFacts = new Map<string, CachedLessonFacts | null>();
    const structuresOf = async (): Promise<Map<string, CourseStructureRow>> => {
      if (!cache) return loadCourseStructuresOfLessons(trx, lessonIds);
      // The facts name each lesson's course (none: not a lesson of this institution); then its structure.
      for (const lessonId of lessonIds) {
        cachedFacts.set(
          lessonId,
          await cache.lessonFacts(learner, lessonId, async () => {
            const row = await loadAccessFacts(trx, { userId: learner.userId, lessonId }, now);
            if (!row) return null;
            const { learnerClientGroupId: _fromTheSession, ...facts } = toAccessFacts(row, null);
            return { courseId: row.course_id, facts };
          }),
        );
      }
      const found = new Map<string, CourseStructureRow>();
      for (const courseId of new Set([...cachedFacts.values()].flatMap((facts) => (facts ? [facts.courseId] : [])))) {
        const structure = await cache.courseStructure(
          learner.institutionId,
          courseId,
          async () => (await loadCourseStructures(trx, [courseId])).get(courseId) ?? null,
        );
        if (structure) found.set(courseId, structure);
      }
      return found;
    };
    const structures = await structuresOf();
    const lessonsById = lessonsOf(structures);

    // Judged before the log is read (the read and the append are one statement): a key logged already
    // overrides whatever is found here, below, as it would have been judged first.
    // Keys seen earlier in this batch: a later repeat is a duplicate of the first (or a reused key).
    const firstInBatch = new Map<string, { index: number; hash: string }>();
    const fresh: typeof candidates = [];
    for (const candidate of candidates) {
      const { index, event, hash } = candidate;
      const earlier = firstInBatch.get(event.idempotencyKey);
      if (earlier) {
        // Settled below, once the first one's fate (and id) is known.
        continue;
      }
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

    // Access, once per distinct lesson, as of now; lessons completed in this batch count as prerequisites.
    let allowed = fresh;
    if (learnerSources.includes(source) && fresh.length) {
      const completedInBatch = new Set(
        fresh.filter((c) => c.event.type === "lesson_completed").map((c) => c.event.lessonId),
      );
      const decisions = new Map<string, { allowed: boolean; reason: string }>();
      const decide = (facts: AccessFacts) =>
        decideAccess(
          { ...facts, completedLessonIds: new Set([...facts.completedLessonIds, ...completedInBatch]) },
          now,
        );
      for (const lessonId of new Set(fresh.map((c) => c.event.lessonId))) {
        const cached = cachedFacts.get(lessonId);
        if (cached) {
          const decision = decide({ ...cached.facts, learnerClientGroupId: learner.clientGroupId });
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
        decisions.set(lessonId, decide(toAccessFacts(row, learner.clientGroupId)));
      }
      allowed = fresh.filter(({ index, event }) => {
        const decision = decisions.get(event.lessonId);
        if (decision?.allowed) return true;
        results[index] = rejected(index, "access_denied", decision?.reason ?? "Lesson was not found");
        return false;
      });
    }

    const rows: NewProgressEvent[] = allowed.map(({ event, hash }) => {
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
    });
    const { known, inserted, stored } = await appendProgressEventsAndRead(trx, {
      userId: learner.userId,
      keys: [...new Set(candidates.map((c) => c.event.idempotencyKey))],
      events: rows,
      lessonIds: [...new Set(rows.map((row) => row.lesson_id))],
    });
    const knownByKey = new Map(known.map((row) => [row.idempotency_key, row]));
    const idByKey = new Map(inserted.map((row) => [row.idempotency_key, row.id]));
    // A key logged before: a duplicate if the payload is the same, a reused key if not, whatever else holds.
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
    // Repeats within the batch follow their first occurrence.
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

    if (inserted.length) {
      const lessonsByCourse = new Map<string, Set<string>>();
      const newEvents = new Map<string, LoggedProgressEvent[]>();
      for (const row of rows) {
        if (!idByKey.has(row.idempotency_key)) continue;
        lessonsByCourse.set(row.course_id, (lessonsByCourse.get(row.course_id) ?? new Set()).add(row.lesson_id));
        newEvents.set(row.lesson_id, [...(newEvents.get(row.lesson_id) ?? []), loggedEventOf(row)]);
      }
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
    }
    return results as ProgressItemResult[];
  };

  // The procedure's transaction took this learner's lock with its scope: nothing more to do before reading.
  const held = services.heldLock;
  if (db.isTransaction && held?.institutionId === scope.institutionId && held.userId === scope.userId) {
    return record(db);
  }
  // In a procedure's tenant transaction already: lock, and check its scope, in one round trip.
  if (db.isTransaction && (await lockLearnerProgressInScope(db, scope))) return record(db);
  return withTenant(db, scope, async (trx) => {
    if (!db.isTransaction) await lockLearnerProgress(trx, learner.userId);
    return record(trx);
  });
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
