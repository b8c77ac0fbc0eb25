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

/** Who and what a statement is about, as far as the institution's data says (see `findStatementTargets`). */
export interface StatementTarget {
  learner: StatementLearner | null;
  /** The lesson whose xAPI activity id it is, else every lesson whose content address it is (oldest first). */
  lessons: StatementLessonRow[];
  /** With several lessons and the learner found: their courses the learner holds a live enrolment in. */
  enrolledCourseIds: string[];
}

/** An actor's key and an activity id: what one statement is about. */
export interface StatementSubject {
  key: StatementActorKey;
  activityId: string;
}

/**
 * For each subject, the institution's learner its actor names and the lessons its activity id names, in
 * order, all in one statement outside any transaction (`xapi_statement_target` per subject, migration
 * 20261203T180100): the function scopes itself to the institution, so pass the API key's, never a value
 * from a statement.
 */
export async function findStatementTargets(
  db: Database,
  institutionId: string,
  subjects: readonly StatementSubject[],
): Promise<StatementTarget[]> {
  if (!subjects.length) return [];
  const rows = subjects.map(({ key, activityId }) => ({
    actor:
      key.by === "email"
        ? { ...key, email: key.email.toLowerCase() }
        : key.by === "mbox_sha1sum"
          ? { ...key, sha1: key.sha1.toLowerCase() }
          : key,
    activity: activityId,
  }));
  // One subject (a tool's usual request, one statement) is called directly: unpacking an array costs more.
  const [only] = rows;
  const { rows: found } =
    rows.length === 1 && only
      ? await sql<{ target: StatementTarget }>`
          select xapi_statement_target(${institutionId}, ${JSON.stringify(only.actor)}::jsonb, ${only.activity}) as target`.execute(
          db,
        )
      : await sql<{ target: StatementTarget }>`
          select xapi_statement_target(${institutionId}, s.subject->'actor', s.subject->>'activity') as target
            from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as s(subject, n)
           order by s.n`.execute(db);
  if (found.length !== subjects.length) throw new Error("xapi_statement_target did not answer every subject");
  return found.map((row) => row.target);
}
