import { type Kysely, sql } from "kysely";

// Recording learners' progress in one statement (ADR 012). The API folds events onto each learner's progress
// as it last saw it (kept in memory per course), and sends what several requests folded, of several learners
// of one institution, to record_progress at once: one statement and one commit outside any transaction. Each
// learner's part is written only if the state it was folded onto is still the stored one, named by a
// fingerprint: the learner's lesson progress rows in the course by their row versions (xmin, which every
// write of a row changes) and their course progress row's. Otherwise that part writes nothing and says why:
// `known` (keys logged before, with their payload hashes: checked first, whatever the state) or `stale` (with
// the state as it is now, to fold onto again). The learners' progress locks are taken first, in one order
// (no deadlock between two such statements), as every other writer of these rows takes them.
// The migration is frozen: it names tables and columns only.

const lessonColumns = [
  "course_id",
  "lesson_id",
  "started_at",
  "completed_at",
  "last_activity_at",
  "event_count",
  "watched_seconds",
  "duration_seconds",
  "watched_fraction",
  "last_position_seconds",
  "best_score",
  "best_max_score",
  "best_score_percent",
  "quiz_attempts",
  "live_minutes",
  "downloaded_at",
  "assignment_passed_at",
  "watched_ranges",
];

const courseColumns = [
  "percent",
  "lesson_count",
  "completed_lessons",
  "required_lessons",
  "completed_required_lessons",
  "last_activity_at",
  "completed_at",
];

const eventColumns = [
  "course_id",
  "module_id",
  "lesson_id",
  "type",
  "occurred_at",
  "received_at",
  "source",
  "idempotency_key",
  "payload_sha256",
  "metadata",
  "position_seconds",
  "duration_seconds",
  "watched_ranges",
  "score",
  "max_score",
  "passed",
  "minutes",
];

const list = (columns: readonly string[], prefix = "") => sql.raw(columns.map((c) => `${prefix}${c}`).join(", "));
const jsonFields = (columns: readonly string[], alias: string) =>
  sql.raw(columns.map((c) => `'${c}', ${alias}.${c}`).join(", "));
const updates = (columns: readonly string[]) =>
  sql.raw([...columns, "updated_at"].map((c) => `${c} = excluded.${c}`).join(", "));

export async function up(db: Kysely<unknown>): Promise<void> {
  // {"lessons": {"<lesson id>": "<xmin>", ...}, "course": "<xmin>" | null}: the rows a fold depends on.
  await sql`
    create function learner_progress_fingerprint(p_user uuid, p_course uuid) returns jsonb
      language sql stable security invoker
    as $$
      select jsonb_build_object(
        'lessons', (select coalesce(jsonb_object_agg(lp.lesson_id, lp.xmin::text), '{}')
                      from lesson_progress lp where lp.user_id = p_user and lp.course_id = p_course),
        'course', (select cp.xmin::text from course_progress cp where cp.user_id = p_user and cp.course_id = p_course))
    $$`.execute(db);

  await sql`
    create function learner_progress_state(p_user uuid, p_course uuid) returns jsonb
      language sql stable security invoker
    as $$
      select jsonb_build_object(
        'course_id', p_course,
        'fingerprint', learner_progress_fingerprint(p_user, p_course),
        'lessons', coalesce((select jsonb_agg(jsonb_build_object(${jsonFields(["institution_id", "user_id", ...lessonColumns], "lp")}))
                               from lesson_progress lp where lp.user_id = p_user and lp.course_id = p_course), '[]'),
        'course', (select jsonb_build_object(${jsonFields(courseColumns, "cp")})
                     from course_progress cp where cp.user_id = p_user and cp.course_id = p_course))
    $$`.execute(db);

  // p_items: [{user_id, keys: [...], courses: [{course_id, fingerprint}], events: [...], lessons: [...],
  // course_rows: [...]}], at most one per learner. Returns one outcome per item, in order.
  await sql`
    create function record_progress(p_institution uuid, p_items jsonb) returns jsonb
      language plpgsql volatile security invoker
      set app.institution_id = ''
      set app.user_id = ''
    as $$
    declare
      learner uuid;
      known jsonb;
      stale bigint[];
      written jsonb;
    begin
      perform set_config('app.institution_id', p_institution::text, true);
      if (select count(*) <> count(distinct i->>'user_id') from jsonb_array_elements(p_items) i) then
        raise exception 'record_progress takes at most one item per learner';
      end if;
      for learner in select distinct (i->>'user_id')::uuid from jsonb_array_elements(p_items) i order by 1 loop
        perform pg_advisory_xact_lock(hashtextextended('progress:' || learner::text, 0));
      end loop;

      select jsonb_object_agg(k.n, k.rows) into known
        from (select it.n, jsonb_agg(jsonb_build_object('id', e.id, 'idempotency_key', e.idempotency_key,
                                                        'payload_sha256', e.payload_sha256)) as rows
                from jsonb_array_elements(p_items) with ordinality as it(i, n)
                cross join lateral jsonb_array_elements_text(it.i->'keys') as k(value)
                -- One probe of the unique index per key (LIMIT keeps it a probe, whatever the statistics say).
                cross join lateral (select e.id, e.idempotency_key, e.payload_sha256 from progress_events e
                                     where e.institution_id = p_institution and e.user_id = (it.i->>'user_id')::uuid
                                       and e.idempotency_key = k.value limit 1) e
               group by it.n) k;
      known := coalesce(known, '{}');

      select coalesce(array_agg(distinct it.n), '{}') into stale
        from jsonb_array_elements(p_items) with ordinality as it(i, n)
        cross join lateral jsonb_array_elements(it.i->'courses') as c(course)
       where not known ? it.n::text
         and learner_progress_fingerprint((it.i->>'user_id')::uuid, (c.course->>'course_id')::uuid)
             is distinct from c.course->'fingerprint';

      with writable as (
        select it.i, (it.i->>'user_id')::uuid as user_id
          from jsonb_array_elements(p_items) with ordinality as it(i, n)
         where not known ? it.n::text and it.n <> all(stale)
      ), logged as (
        insert into progress_events (institution_id, user_id, ${list(eventColumns)})
        select p_institution, w.user_id, ${list(eventColumns, "e.")}
          from writable w cross join lateral jsonb_populate_recordset(null::progress_events, w.i->'events') e
        returning user_id, id, idempotency_key
      ), lessons as (
        insert into lesson_progress (institution_id, user_id, ${list(lessonColumns)}, updated_at)
        select p_institution, w.user_id, ${list(lessonColumns, "l.")}, l.updated_at
          from writable w cross join lateral jsonb_populate_recordset(null::lesson_progress, w.i->'lessons') l
        on conflict (user_id, lesson_id) do update set ${updates(lessonColumns)}
        returning user_id, lesson_id, xmin
      ), courses as (
        insert into course_progress (institution_id, user_id, course_id, ${list(courseColumns)}, updated_at)
        select p_institution, w.user_id, c.course_id, ${list(courseColumns, "c.")}, c.updated_at
          from writable w cross join lateral jsonb_populate_recordset(null::course_progress, w.i->'course_rows') c
        on conflict (user_id, course_id) do update set ${updates(courseColumns)}
        returning user_id, course_id, xmin
      )
      select jsonb_object_agg(w.user_id, jsonb_build_object(
               'outcome', 'written',
               'inserted', coalesce((select jsonb_agg(jsonb_build_object('id', g.id, 'idempotency_key', g.idempotency_key))
                                       from logged g where g.user_id = w.user_id), '[]'),
               'lessons', coalesce((select jsonb_object_agg(l.lesson_id, l.xmin::text)
                                      from lessons l where l.user_id = w.user_id), '{}'),
               'courses', coalesce((select jsonb_object_agg(c.course_id, c.xmin::text)
                                      from courses c where c.user_id = w.user_id), '{}')))
        into written from writable w;

      return (select jsonb_agg(
                case when known ? it.n::text then jsonb_build_object('outcome', 'known', 'known', known->(it.n::text))
                     when it.n = any(stale) then jsonb_build_object('outcome', 'stale', 'states',
                       (select jsonb_agg(learner_progress_state((it.i->>'user_id')::uuid, (c.course->>'course_id')::uuid))
                          from jsonb_array_elements(it.i->'courses') as c(course)))
                     else written->(it.i->>'user_id') end
                order by it.n)
                from jsonb_array_elements(p_items) with ordinality as it(i, n));
    end
    $$`.execute(db);

  await sql`grant execute on function record_progress(uuid, jsonb) to learnops_app`.execute(db);
  await sql`grant execute on function learner_progress_state(uuid, uuid) to learnops_app`.execute(db);
  await sql`grant execute on function learner_progress_fingerprint(uuid, uuid) to learnops_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function record_progress(uuid, jsonb)`.execute(db);
  await sql`drop function learner_progress_state(uuid, uuid)`.execute(db);
  await sql`drop function learner_progress_fingerprint(uuid, uuid)`.execute(db);
}
