import { sql } from "kysely";
import type { Database } from "../client.ts";

// Finding who and what an xAPI statement is about. Every query runs inside `withTenant` for the institution
// of the API key that sent the statement: row-level security keeps memberships, identity links and lessons
// to that institution, so an actor or activity of another institution is simply not found.

/** A learner a statement may be about: an active learner membership of an active account. */
export interface StatementLearner {
  userId: string;
  clientGroupId: string | null;
}

/** How a statement's actor identifies the learner, as far as LearnOps can resolve it. */
export type StatementActorKey =
  | { by: "email"; email: string }
  | { by: "mbox_sha1sum"; sha1: string }
  | { by: "saml"; identityProviderEntityId: string; nameId: string }
  | { by: "user_id"; userId: string };

function learners(db: Database) {
  return db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["memberships.user_id as userId", "memberships.client_group_id as clientGroupId"])
    .where("memberships.role", "=", "learner")
    .where("memberships.status", "=", "active")
    .where("users.status", "=", "active");
}

/** The institution's learner the actor names, or undefined. */
export async function findStatementLearner(
  db: Database,
  key: StatementActorKey,
): Promise<StatementLearner | undefined> {
  switch (key.by) {
    case "email":
      return learners(db).where("users.email", "=", key.email.toLowerCase()).executeTakeFirst();
    case "mbox_sha1sum":
      // The same expression as users_mbox_sha1_idx, so the lookup is one index probe.
      return learners(db)
        .where(sql<string>`encode(public.digest('mailto:' || users.email, 'sha1'), 'hex')`, "=", key.sha1.toLowerCase())
        .executeTakeFirst();
    case "saml":
      return learners(db)
        .innerJoin("saml_identity_links", "saml_identity_links.user_id", "memberships.user_id")
        .innerJoin("saml_identity_providers", "saml_identity_providers.id", "saml_identity_links.identity_provider_id")
        .where("saml_identity_providers.entity_id", "=", key.identityProviderEntityId)
        .where("saml_identity_links.name_id", "=", key.nameId)
        .executeTakeFirst();
    case "user_id":
      return learners(db).where("memberships.user_id", "=", key.userId).executeTakeFirst();
  }
}

export interface StatementLessonRow {
  id: string;
  course_id: string;
  kind: "video" | "reading" | "resource" | "quiz" | "assignment" | "live_session";
  title: string;
}

/**
 * The lessons an activity id names: the one whose `xapi_activity_id` it is (unique in the institution), or
 * else every lesson whose content address it is (the same content may serve several courses).
 */
export async function findLessonsForActivity(db: Database, activityId: string): Promise<StatementLessonRow[]> {
  const explicit = await db
    .selectFrom("lessons")
    .select(["id", "course_id", "kind", "title"])
    .where("xapi_activity_id", "=", activityId)
    .execute();
  if (explicit.length) return explicit as StatementLessonRow[];
  return (await db
    .selectFrom("lessons")
    .select(["id", "course_id", "kind", "title"])
    .where("content_url", "=", activityId)
    .orderBy("created_at")
    .limit(50)
    .execute()) as StatementLessonRow[];
}

/** Of these courses, those in which the learner holds an enrolment that is not cancelled. */
export async function enrolledCourseIds(db: Database, userId: string, courseIds: readonly string[]): Promise<string[]> {
  if (!courseIds.length) return [];
  const rows = await db
    .selectFrom("enrolments")
    .select("course_id")
    .distinct()
    .where("user_id", "=", userId)
    .where("course_id", "in", courseIds)
    .where("status", "!=", "cancelled")
    .execute();
  return rows.map((row) => row.course_id);
}
