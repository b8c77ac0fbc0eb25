import { type Kysely, sql } from "kysely";

// The access engine's facts for one learner and one lesson (or course) in one call. As a statement sent from
// the API it was planned on every lesson open, and planning the statement cost several times more than
// running it; inside a PL/pgSQL function its plan is prepared once per connection and reused. It runs with
// the caller's rights: row-level security scopes every table it reads to the transaction's institution.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function access_facts(p_user uuid, p_lesson uuid, p_course uuid, p_now timestamptz)
      returns json language plpgsql stable security invoker
    as $$
    begin
      return (select row_to_json(facts) from (
      with target as (
        select c.id as course_id, c.title as course_title, c.status as course_status,
               l.id as lesson_id, l.title as lesson_title, l.module_id
          from courses c
          left join lessons l on l.id = p_lesson and l.course_id = c.id
         where case when p_lesson is null then c.id = p_course
                    else c.id = (select course_id from lessons where id = p_lesson) end
      ),
      required_lessons as (
        select rl.id, rl.title
          from target t
          join lesson_prerequisites lp on lp.lesson_id = t.lesson_id
          join lessons rl on rl.id = lp.required_lesson_id
      ),
      required_modules as (
        select m.id, m.title,
               coalesce((select array_agg(ml.id) from lessons ml where ml.module_id = m.id and ml.required), '{}') as lesson_ids
          from target t
          join module_prerequisites mp on mp.module_id = t.module_id
          join modules m on m.id = mp.required_module_id
      )
      select t.course_id, t.course_title, t.course_status, t.lesson_title,
        coalesce((select json_agg(json_build_object('id', id, 'title', title)) from required_lessons), '[]') as required_lessons,
        coalesce((select json_agg(json_build_object('id', id, 'title', title, 'lessonIds', lesson_ids))
                    from required_modules), '[]') as required_modules,
        (select json_build_object(
                  'id', e.id, 'status', e.status, 'source', e.source, 'payment_state', e.payment_state,
                  'payment_state_since', e.payment_state_since, 'expires_at', e.expires_at,
                  'status_reason', e.status_reason, 'client_group_id', e.client_group_id,
                  'cohort', case when co.id is null then null
                                 else json_build_object('name', co.name, 'starts_at', co.starts_at, 'ends_at', co.ends_at) end,
                  'contract', case when cc.id is null then null
                                   else json_build_object('name', cc.name, 'client_group_id', cc.client_group_id,
                                     'starts_on', cc.starts_on, 'ends_on', cc.ends_on, 'status', cc.status,
                                     'covers_course', exists (select 1 from client_contract_courses ccc
                                                               where ccc.contract_id = cc.id and ccc.course_id = e.course_id)) end,
                  'promotion_code', p.code)
           from enrolments e
           left join cohorts co on co.id = e.cohort_id
           left join client_contracts cc on cc.id = e.contract_id
           left join promotions p on p.id = e.promotion_id
          where e.user_id = p_user and e.course_id = t.course_id
          order by e.status in ('pending', 'active', 'suspended', 'review_required') desc, e.created_at desc
          limit 1) as enrolment,
        coalesce((select json_agg(json_build_object('effect', o.effect, 'reason', o.reason, 'starts_at', o.starts_at,
                                                    'expires_at', o.expires_at, 'revoked_at', o.revoked_at))
                    from access_overrides o
                   where o.user_id = p_user and o.course_id = t.course_id
                     and o.revoked_at is null and o.expires_at > p_now), '[]') as overrides,
        coalesce((select array_agg(lp.lesson_id) from lesson_progress lp
                   where lp.user_id = p_user and lp.course_id = t.course_id
                     and lp.completed_at is not null
                     and (lp.lesson_id in (select id from required_lessons)
                          or lp.lesson_id in (select unnest(lesson_ids) from required_modules))), '{}') as completed_lesson_ids
      from target t
      where p_lesson is null or t.lesson_id is not null
      ) facts);
    end
    $$`.execute(db);
  await sql`grant execute on function access_facts(uuid, uuid, uuid, timestamptz) to learnops_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function access_facts(uuid, uuid, uuid, timestamptz)`.execute(db);
}
