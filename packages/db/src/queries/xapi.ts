import { sql } from "kysely";
import type { Database } from "../client.ts";

// Finding who and what an xAPI statement is about, in the institution of the API key that sent it: row-level
// security keeps memberships, identity links and lessons to that institution, so an actor or activity of
// another institution is simply not found.

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

/** A lesson an activity id may name. */
export interface StatementLessonRow {
  id: string;
  course_id: string;
  kind: "video" | "reading" | "resource" | "quiz" | "assignment" | "live_session";
  title: string;
}

/** Who and what a statement is about, as far as the institution's data says (see `findStatementTarget`). */
export interface StatementTarget {
  learner: StatementLearner | null;
  /** The lesson whose xAPI activity id it is, else every lesson whose content address it is (oldest first). */
  lessons: StatementLessonRow[];
  /** With several lessons and the learner found: their courses the learner holds a live enrolment in. */
  enrolledCourseIds: string[];
}

/**
 * The institution's learner an actor names and the lessons an activity id names, in one statement outside any
 * transaction (`xapi_statement_target`, migration 20261203T180100): it scopes itself to the institution, so
 * pass the API key's, never a value from the statement.
 */
export async function findStatementTarget(
  db: Database,
  institutionId: string,
  key: StatementActorKey,
  activityId: string,
): Promise<StatementTarget> {
  const actor =
    key.by === "email"
      ? { ...key, email: key.email.toLowerCase() }
      : key.by === "mbox_sha1sum"
        ? { ...key, sha1: key.sha1.toLowerCase() }
        : key;
  const { rows } = await sql<{ target: StatementTarget }>`
    select xapi_statement_target(${institutionId}, ${JSON.stringify(actor)}::jsonb, ${activityId}) as target`.execute(
    db,
  );
  const target = rows[0]?.target;
  if (!target) throw new Error("xapi_statement_target returned no row");
  return target;
}
