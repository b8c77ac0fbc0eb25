import { type ExpressionBuilder, sql } from "kysely";
import type { Database } from "../client.ts";
import type { DB } from "../schema.ts";

const courseColumns = [
  "courses.id",
  "courses.code",
  "courses.title",
  "courses.summary",
  "courses.status",
  "courses.price_cents",
  "courses.currency",
  "courses.access_days",
  "courses.settings",
  "courses.created_at",
  "courses.updated_at",
] as const;

/** The number of modules and lessons of the course in the row. */
function countsOfCourse(eb: ExpressionBuilder<DB, "courses">) {
  return [
    eb
      .selectFrom("modules")
      .select(eb.fn.countAll<string>().as("n"))
      .whereRef("modules.course_id", "=", "courses.id")
      .as("module_count"),
    eb
      .selectFrom("lessons")
      .select(eb.fn.countAll<string>().as("n"))
      .whereRef("lessons.course_id", "=", "courses.id")
      .as("lesson_count"),
  ];
}

/** Courses of the transaction's institution with their module and lesson counts, by title. */
export function listCourses(
  db: Database,
  filter: { status?: "draft" | "published" | "archived" | undefined; search?: string | undefined } = {},
) {
  let query = db
    .selectFrom("courses")
    .select(courseColumns)
    .select(countsOfCourse)
    .$if(filter.status !== undefined, (qb) => qb.where("courses.status", "=", filter.status ?? "published"))
    .orderBy("courses.title");
  if (filter.search) {
    const pattern = `%${filter.search.toLowerCase().replaceAll(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([eb(eb.fn("lower", ["courses.title"]), "like", pattern), eb("courses.code", "like", pattern)]),
    );
  }
  return query.execute();
}

export type CourseRow = Awaited<ReturnType<typeof listCourses>>[number];

export function findCourse(db: Database, courseId: string) {
  return db
    .selectFrom("courses")
    .select(courseColumns)
    .select(countsOfCourse)
    .where("courses.id", "=", courseId)
    .executeTakeFirst();
}

export interface OutlineLesson {
  id: string;
  module_id: string;
  position: number;
  title: string;
  kind: "video" | "reading" | "resource" | "quiz" | "assignment" | "live_session";
  content_url: string;
  content_provider: string;
  content_external_id: string | null;
  xapi_activity_id: string | null;
  duration_minutes: number | null;
  required: boolean;
  prerequisite_lesson_ids: string[];
}

export interface OutlineModule {
  id: string;
  position: number;
  title: string;
  prerequisite_module_ids: string[];
  lessons: OutlineLesson[];
}

/** A course's modules and lessons in order, each with its prerequisites: two queries whatever its size. */
export async function courseOutline(db: Database, courseId: string): Promise<OutlineModule[]> {
  const [modules, lessons] = await Promise.all([
    sql<Omit<OutlineModule, "lessons">>`
      select m.id, m.position, m.title,
             coalesce(array_agg(mp.required_module_id) filter (where mp.required_module_id is not null), '{}')
               as prerequisite_module_ids
        from modules m
        left join module_prerequisites mp on mp.module_id = m.id
       where m.course_id = ${courseId}
       group by m.id
       order by m.position, m.created_at`.execute(db),
    sql<OutlineLesson>`
      select l.id, l.module_id, l.position, l.title, l.kind, l.content_url, l.content_provider,
             l.content_external_id, l.xapi_activity_id, l.duration_minutes, l.required,
             coalesce(array_agg(lp.required_lesson_id) filter (where lp.required_lesson_id is not null), '{}')
               as prerequisite_lesson_ids
        from lessons l
        left join lesson_prerequisites lp on lp.lesson_id = l.id
       where l.course_id = ${courseId}
       group by l.id
       order by l.position, l.created_at`.execute(db),
  ]);
  return modules.rows.map((module) => ({
    ...module,
    lessons: lessons.rows.filter((lesson) => lesson.module_id === module.id),
  }));
}

/** The lessons a learner has completed in a course. */
export async function completedLessonIds(db: Database, userId: string, courseId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom("lesson_progress")
    .select("lesson_id")
    .where("user_id", "=", userId)
    .where("course_id", "=", courseId)
    .where("completed_at", "is not", null)
    .execute();
  return new Set(rows.map((row) => row.lesson_id));
}
