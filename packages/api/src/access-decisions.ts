import type { AccessDecision } from "@learnops/contracts/access";
import type { EnrolmentSource, EnrolmentStatus, PaymentState } from "@learnops/contracts/enrolment";
import type { Database } from "@learnops/db/client";
import { type AccessFactsRow, loadAccessFacts, loadTenantAccessFacts } from "@learnops/db/queries/access";
import type { OutlineModule } from "@learnops/db/queries/catalogue";
import { type AccessFacts, decideAccess } from "@learnops/domain/access";
import type { AccessCache, CachedLessonFacts } from "./access-cache.ts";

const dateOrNull = (value: string | null) => (value === null ? null : new Date(value));

/** The database's row, in the access engine's terms. */
export function toAccessFacts(row: AccessFactsRow, learnerClientGroupId: string | null): AccessFacts {
  const enrolment = row.enrolment;
  return {
    course: { title: row.course_title, status: row.course_status },
    lesson:
      row.lesson_title === null
        ? null
        : {
            title: row.lesson_title,
            requiredLessons: row.required_lessons,
            requiredModules: row.required_modules,
          },
    enrolment: enrolment && {
      status: enrolment.status as EnrolmentStatus,
      source: enrolment.source as EnrolmentSource,
      paymentState: enrolment.payment_state as PaymentState,
      paymentStateSince: dateOrNull(enrolment.payment_state_since),
      expiresAt: dateOrNull(enrolment.expires_at),
      statusReason: enrolment.status_reason,
      clientGroupId: enrolment.client_group_id,
      cohort: enrolment.cohort && {
        name: enrolment.cohort.name,
        startsAt: new Date(enrolment.cohort.starts_at),
        endsAt: new Date(enrolment.cohort.ends_at),
      },
      contract: enrolment.contract && {
        name: enrolment.contract.name,
        clientGroupId: enrolment.contract.client_group_id,
        startsOn: enrolment.contract.starts_on,
        endsOn: enrolment.contract.ends_on,
        status: enrolment.contract.status,
        coversCourse: enrolment.contract.covers_course,
      },
      promotion: enrolment.promotion_code ? { code: enrolment.promotion_code } : null,
    },
    overrides: row.overrides.map((override) => ({
      effect: override.effect,
      reason: override.reason,
      startsAt: new Date(override.starts_at),
      expiresAt: new Date(override.expires_at),
      revokedAt: dateOrNull(override.revoked_at),
    })),
    learnerClientGroupId,
    completedLessonIds: new Set(row.completed_lesson_ids),
  };
}

/**
 * Whether a learner may open a lesson (or, with `courseId`, the course) now, and why. Null when the lesson or
 * course does not exist in the transaction's institution.
 */
export async function decideLearnerAccess(
  db: Database,
  learner: { userId: string; clientGroupId: string | null },
  target: { lessonId: string } | { courseId: string },
  now: Date,
): Promise<AccessDecision | null> {
  const row = await loadAccessFacts(db, { userId: learner.userId, ...target }, now);
  if (!row) return null;
  return decideAccess(toAccessFacts(row, learner.clientGroupId), now);
}

/**
 * `decideLearnerAccess` for one lesson in one statement, outside a transaction (the hot path). With a cache,
 * the facts may come from memory; the decision is made afresh from them and `now` every time.
 */
export async function decideLessonAccess(
  db: Database,
  learner: { institutionId: string; userId: string; clientGroupId: string | null },
  lessonId: string,
  now: Date,
  cache: AccessCache | null = null,
): Promise<AccessDecision | null> {
  const load = () => loadLessonFacts(db, learner, lessonId, now);
  const found = cache ? await cache.lessonFacts(learner, lessonId, load) : await load();
  if (!found) return null;
  return decideAccess({ ...found.facts, learnerClientGroupId: learner.clientGroupId }, now);
}

/**
 * A learner's facts for one lesson as the access cache keeps them, in one statement outside a transaction
 * (`tenant_access_facts` scopes itself to the institution). Null when the lesson is not one of the institution's.
 */
export async function loadLessonFacts(
  db: Database,
  learner: { institutionId: string; userId: string },
  lessonId: string,
  now: Date,
): Promise<CachedLessonFacts | null> {
  const row = await loadTenantAccessFacts(
    db,
    { institutionId: learner.institutionId, userId: learner.userId, lessonId },
    now,
  );
  if (!row) return null;
  const { learnerClientGroupId: _fromTheSession, ...facts } = toAccessFacts(row, null);
  return { courseId: row.course_id, facts };
}

/**
 * The decision for every lesson of a course at once, from one load of the course's facts: the enrolment,
 * overrides and dates are the course's; each lesson adds its own prerequisites and its module's.
 */
export function decideOutlineAccess(
  row: AccessFactsRow,
  outline: readonly OutlineModule[],
  learner: { clientGroupId: string | null; completedLessonIds: ReadonlySet<string> },
  now: Date,
): Map<string, AccessDecision> {
  const base = { ...toAccessFacts(row, learner.clientGroupId), completedLessonIds: learner.completedLessonIds };
  const lessonsById = new Map(outline.flatMap((module) => module.lessons).map((lesson) => [lesson.id, lesson]));
  const modulesById = new Map(outline.map((module) => [module.id, module]));
  const decisions = new Map<string, AccessDecision>();
  for (const module of outline) {
    const requiredModules = module.prerequisite_module_ids.flatMap((id) => {
      const required = modulesById.get(id);
      return required
        ? [
            {
              id,
              title: required.title,
              lessonIds: required.lessons.filter((lesson) => lesson.required).map((lesson) => lesson.id),
            },
          ]
        : [];
    });
    for (const lesson of module.lessons) {
      const requiredLessons = lesson.prerequisite_lesson_ids.flatMap((id) => {
        const required = lessonsById.get(id);
        return required ? [{ id, title: required.title }] : [];
      });
      decisions.set(
        lesson.id,
        decideAccess({ ...base, lesson: { title: lesson.title, requiredLessons, requiredModules } }, now),
      );
    }
  }
  return decisions;
}
