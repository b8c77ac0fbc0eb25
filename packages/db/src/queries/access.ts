import { sql } from "kysely";
import type { Database } from "../client.ts";

/** The row `loadAccessFacts` reads: everything the access engine needs about one learner and one lesson. */
export interface AccessFactsRow {
  course_id: string;
  course_title: string;
  course_status: "draft" | "published" | "archived";
  lesson_title: string | null;
  required_lessons: { id: string; title: string }[];
  required_modules: { id: string; title: string; lessonIds: string[] }[];
  enrolment: {
    id: string;
    status: string;
    source: string;
    payment_state: string;
    payment_state_since: string | null;
    expires_at: string | null;
    status_reason: string | null;
    client_group_id: string | null;
    cohort: { name: string; starts_at: string; ends_at: string } | null;
    contract: {
      name: string;
      client_group_id: string;
      starts_on: string;
      ends_on: string;
      status: "active" | "terminated";
      covers_course: boolean;
    } | null;
    promotion_code: string | null;
  } | null;
  overrides: {
    effect: "allow" | "deny";
    reason: string;
    starts_at: string;
    expires_at: string;
    revoked_at: string | null;
  }[];
  completed_lesson_ids: string[];
}

/**
 * One call, one round trip: the hot path of every lesson open, in the `access_facts` function (see its
 * migration: its plan is prepared once per connection). The learner's enrolment is their live one in the
 * course, else their most recent; overrides are the unrevoked ones that have not yet expired. Completed
 * lessons are read only among those the prerequisites name. Row-level security scopes every table to the
 * transaction's institution. With `courseId` instead of `lessonId` it checks the course alone.
 */
export async function loadAccessFacts(
  db: Database,
  params: { userId: string; lessonId: string } | { userId: string; courseId: string },
  now: Date,
): Promise<AccessFactsRow | null> {
  const lessonId = "lessonId" in params ? params.lessonId : null;
  const courseId = "courseId" in params ? params.courseId : null;
  const { rows } = await sql<{ facts: AccessFactsRow | null }>`
    select access_facts(${params.userId}::uuid, ${lessonId}::uuid, ${courseId}::uuid, ${now}::timestamptz) as facts`.execute(
    db,
  );
  return rows[0]?.facts ?? null;
}

/**
 * `loadAccessFacts` in one statement outside any transaction: `tenant_access_facts` scopes itself to the
 * institution for its own duration. For the hot path, where opening a transaction would cost more than
 * the query; `institutionId` must come from the session, never from a client.
 */
export async function loadTenantAccessFacts(
  db: Database,
  params: { institutionId: string; userId: string; lessonId: string },
  now: Date,
): Promise<AccessFactsRow | null> {
  const { rows } = await sql<{ facts: AccessFactsRow | null }>`
    select tenant_access_facts(${params.institutionId}::uuid, ${params.userId}::uuid, ${params.lessonId}::uuid,
                               null, ${now}::timestamptz) as facts`.execute(db);
  return rows[0]?.facts ?? null;
}
