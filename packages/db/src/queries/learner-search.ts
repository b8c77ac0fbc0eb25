import { sql } from "kysely";
import type { Database } from "../client.ts";

export interface LearnerSearchFilter {
  email?: string | undefined;
  name?: string | undefined;
  courseId?: string | undefined;
  cohortId?: string | undefined;
  clientGroupId?: string | undefined;
  status?: string | undefined;
  /** Keyset: the (display name, id) of the last learner of the previous page. */
  after?: { displayName: string; id: string } | undefined;
  limit: number;
}

export interface LearnerSearchRow {
  user_id: string;
  display_name: string;
  email: string;
  client_group_id: string | null;
  client_group_name: string | null;
  directory_opt_out: boolean;
  enrolments: {
    id: string;
    course_id: string;
    course_title: string;
    cohort_name: string | null;
    status: string;
    expires_at: string | null;
  }[];
}

function likePattern(text: string): string {
  return `%${text.toLowerCase().replaceAll(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Learners (people with a learner membership in the transaction's institution) matching every filter
 * given, by name then id, a page at a time, each with their enrolments. Enrolment filters (course, cohort,
 * status) keep the learners with at least one matching enrolment, and list only those enrolments.
 * `includeOptedOut: false` leaves out learners who opted out of directory information, unless found by
 * their exact address.
 */
export async function searchLearners(
  db: Database,
  filter: LearnerSearchFilter & { includeOptedOut: boolean },
): Promise<LearnerSearchRow[]> {
  const enrolmentMatch = sql`
    (${filter.courseId ?? null}::uuid is null or e.course_id = ${filter.courseId ?? null}::uuid)
    and (${filter.cohortId ?? null}::uuid is null or e.cohort_id = ${filter.cohortId ?? null}::uuid)
    and (${filter.status ?? null}::text is null or e.status = ${filter.status ?? null}::text)`;
  const needsEnrolment = Boolean(filter.courseId || filter.cohortId || filter.status);
  const { rows } = await sql<LearnerSearchRow>`
    select u.id as user_id, u.display_name, u.email, m.client_group_id, cg.name as client_group_name,
           m.directory_opt_out,
           coalesce((
             select json_agg(json_build_object('id', e.id, 'course_id', e.course_id, 'course_title', c.title,
                                               'cohort_name', co.name, 'status', e.status, 'expires_at', e.expires_at)
                             order by e.created_at desc)
               from enrolments e
               join courses c on c.id = e.course_id
               left join cohorts co on co.id = e.cohort_id
              where e.user_id = u.id and ${enrolmentMatch}), '[]') as enrolments
      from memberships m
      join users u on u.id = m.user_id
      left join client_groups cg on cg.id = m.client_group_id
     where m.role = 'learner'
       and (${filter.email ?? null}::text is null or u.email = ${filter.email ?? null}::text)
       and (${filter.name ?? null}::text is null or lower(u.display_name) like ${filter.name ? likePattern(filter.name) : null})
       and (${filter.clientGroupId ?? null}::uuid is null or m.client_group_id = ${filter.clientGroupId ?? null}::uuid)
       and (${filter.includeOptedOut} or not m.directory_opt_out or u.email = ${filter.email ?? null}::text)
       and (not ${needsEnrolment} or exists (select 1 from enrolments e where e.user_id = u.id and ${enrolmentMatch}))
       and (${filter.after?.displayName ?? null}::text is null
            or (u.display_name, u.id) > (${filter.after?.displayName ?? null}::text, ${filter.after?.id ?? null}::uuid))
     order by u.display_name, u.id
     limit ${filter.limit}`.execute(db);
  return rows;
}
