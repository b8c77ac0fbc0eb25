import { type Kysely, sql } from "kysely";

// Access facts read one thing from lesson progress: which lessons a learner has completed (prerequisites).
// The progress engine rewrites a learner's lesson row on every recorded event (video heartbeats included), so
// announcing every write would evict that learner's cached facts, and queue a notification, many times a
// minute for nothing. Inserts and updates now announce only the rows whose completion changed; deletes (a
// rebuild) and TRUNCATE still announce everything they touch. The migration is frozen: it names tables only.

const channel = "access_changes";
const payloadLimit = 7_900;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger lesson_progress_insert_access_changes on lesson_progress`.execute(db);
  await sql`drop trigger lesson_progress_update_access_changes on lesson_progress`.execute(db);
  await sql`
    create function notify_lesson_completion_change() returns trigger language plpgsql security invoker as $$
    declare
      keys text[];
      payload text;
    begin
      if tg_op = 'INSERT' then
        select array_agg(distinct n.user_id::text || ':' || n.course_id::text) into keys
          from new_rows n where n.completed_at is not null;
      else
        select array_agg(distinct n.user_id::text || ':' || n.course_id::text) into keys
          from new_rows n join old_rows o on o.user_id = n.user_id and o.lesson_id = n.lesson_id
          where o.completed_at is distinct from n.completed_at;
      end if;
      if keys is null then
        return null;
      end if;
      payload := json_build_object('userCourses', keys)::text;
      if octet_length(payload) > ${sql.lit(payloadLimit)} then
        select array_agg(distinct n.institution_id::text) into keys from new_rows n;
        payload := json_build_object('institutions', keys)::text;
      end if;
      if octet_length(payload) > ${sql.lit(payloadLimit)} then
        payload := '{"all":true}';
      end if;
      perform pg_notify(${sql.lit(channel)}, payload);
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger lesson_progress_insert_access_changes after insert on lesson_progress
      referencing new table as new_rows for each statement execute function notify_lesson_completion_change()`.execute(
    db,
  );
  await sql`
    create trigger lesson_progress_update_access_changes after update on lesson_progress
      referencing old table as old_rows new table as new_rows for each statement
      execute function notify_lesson_completion_change()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger lesson_progress_insert_access_changes on lesson_progress`.execute(db);
  await sql`drop trigger lesson_progress_update_access_changes on lesson_progress`.execute(db);
  await sql`drop function notify_lesson_completion_change()`.execute(db);
  const args = sql.join(
    ["userCourses", "user_id::text || ':' || course_id::text", "institutions", "institution_id::text"].map((arg) =>
      sql.lit(arg),
    ),
  );
  await sql`
    create trigger lesson_progress_insert_access_changes after insert on lesson_progress
      referencing new table as new_rows for each statement execute function notify_access_change(${args})`.execute(db);
  await sql`
    create trigger lesson_progress_update_access_changes after update on lesson_progress
      referencing old table as old_rows new table as new_rows for each statement
      execute function notify_access_change(${args})`.execute(db);
}
