import { hashPassword } from "@learnops/auth/passwords";
import type { Database } from "@learnops/db/client";
import { withTenant } from "@learnops/db/tenancy";
import { demoTestPassword } from "./sign-in.ts";

/**
 * Courses, cohorts, deadlines and learners made for progress tests, written as the database's owner in one
 * institution: each test builds what it reads, so the demo data and other tests change nothing it expects.
 */

type LessonKind = "video" | "reading" | "resource" | "quiz" | "assignment" | "live_session";

export interface LessonSpec {
  key: string;
  title: string;
  kind: LessonKind;
  /** Keys of lessons of the same course to complete first. */
  requires?: readonly string[];
  required?: boolean;
}

export interface BuiltCourse {
  id: string;
  modules: Map<string, string>;
  lessons: Map<string, string>;
}

let serial = 0;
const content = { content_url: "https://content.example.org/lesson", content_provider: "SharePoint" };

export function progressFixtures(db: Database, institutionId: string) {
  const owner = <T>(work: (trx: Database) => Promise<T>) => withTenant(db, { institutionId }, work);
  let passwordHash: string | undefined;

  return {
    owner,

    /** A person with a learner (or other) membership here and the demo test password. */
    async person(name: string, options: { role?: string; clientGroupId?: string | null } = {}) {
      passwordHash ??= await hashPassword(demoTestPassword);
      const email = `${name.toLowerCase().replaceAll(/\W+/g, ".")}.${++serial}@progress.example.org`;
      const user = await db
        .insertInto("users")
        .values({ email, display_name: name, email_verified_at: new Date() })
        .returning("id")
        .executeTakeFirstOrThrow();
      await db.insertInto("password_credentials").values({ user_id: user.id, hash: passwordHash }).execute();
      await db
        .insertInto("memberships")
        .values({
          institution_id: institutionId,
          user_id: user.id,
          role: options.role ?? "learner",
          client_group_id: options.clientGroupId ?? null,
        })
        .execute();
      return { id: user.id, email };
    },

    /** A published course of modules of lessons, in the order given. */
    course(title: string, modules: readonly { key: string; title: string; lessons: readonly LessonSpec[] }[]) {
      return owner(async (trx): Promise<BuiltCourse> => {
        const course = await trx
          .insertInto("courses")
          .values({ institution_id: institutionId, code: `progress-${++serial}`, title, status: "published" })
          .returning("id")
          .executeTakeFirstOrThrow();
        const built: BuiltCourse = { id: course.id, modules: new Map(), lessons: new Map() };
        for (const [position, module] of modules.entries()) {
          const row = await trx
            .insertInto("modules")
            .values({ institution_id: institutionId, course_id: course.id, title: module.title, position })
            .returning("id")
            .executeTakeFirstOrThrow();
          built.modules.set(module.key, row.id);
          for (const [lessonPosition, lesson] of module.lessons.entries()) {
            const created = await trx
              .insertInto("lessons")
              .values({
                institution_id: institutionId,
                course_id: course.id,
                module_id: row.id,
                position: lessonPosition,
                title: lesson.title,
                kind: lesson.kind,
                required: lesson.required ?? true,
                ...content,
              })
              .returning("id")
              .executeTakeFirstOrThrow();
            built.lessons.set(lesson.key, created.id);
          }
        }
        const prerequisites = modules.flatMap((module) =>
          module.lessons.flatMap((lesson) =>
            (lesson.requires ?? []).map((required) => ({
              institution_id: institutionId,
              course_id: course.id,
              lesson_id: built.lessons.get(lesson.key) ?? "",
              required_lesson_id: built.lessons.get(required) ?? "",
            })),
          ),
        );
        if (prerequisites.length) await trx.insertInto("lesson_prerequisites").values(prerequisites).execute();
        return built;
      });
    },

    /** A cohort of the course running from `startsAt` to `endsAt`, optionally taught by an instructor. */
    cohort(courseId: string, name: string, startsAt: Date, endsAt: Date, instructorId?: string) {
      return owner(async (trx) => {
        const cohort = await trx
          .insertInto("cohorts")
          .values({ institution_id: institutionId, course_id: courseId, name, starts_at: startsAt, ends_at: endsAt })
          .returning("id")
          .executeTakeFirstOrThrow();
        if (instructorId) {
          await trx
            .insertInto("cohort_instructors")
            .values({ institution_id: institutionId, cohort_id: cohort.id, user_id: instructorId })
            .execute();
        }
        return cohort.id;
      });
    },

    deadline(cohortId: string, courseId: string, target: { moduleId: string } | { lessonId: string }, dueAt: Date) {
      return owner(async (trx) => {
        const row = await trx
          .insertInto("cohort_deadlines")
          .values({
            institution_id: institutionId,
            cohort_id: cohortId,
            course_id: courseId,
            module_id: "moduleId" in target ? target.moduleId : null,
            lesson_id: "lessonId" in target ? target.lessonId : null,
            due_at: dueAt,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        return row.id;
      });
    },

    extend(enrolmentId: string, deadlineId: string, dueAt: Date) {
      return owner((trx) =>
        trx
          .insertInto("deadline_extensions")
          .values({
            institution_id: institutionId,
            enrolment_id: enrolmentId,
            deadline_id: deadlineId,
            due_at: dueAt,
            reason: "Illness",
          })
          .execute(),
      );
    },

    /** An active manual enrolment, optionally in a cohort, made at `createdAt`. */
    enrol(
      userId: string,
      courseId: string,
      options: { cohortId?: string; createdAt?: Date; clientGroupId?: string } = {},
    ) {
      return owner(async (trx) => {
        const row = await trx
          .insertInto("enrolments")
          .values({
            institution_id: institutionId,
            user_id: userId,
            course_id: courseId,
            cohort_id: options.cohortId ?? null,
            source: "manual_grant",
            status: "active",
            client_group_id: options.clientGroupId ?? null,
            ...(options.createdAt ? { created_at: options.createdAt } : {}),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        return row.id;
      });
    },
  };
}
