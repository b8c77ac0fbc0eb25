import { type Kysely, sql } from "kysely";

// Who and what an xAPI statement is about, in one statement outside any transaction: it sets the institution
// (the API key's) itself, and its SET clause restores it when it returns, as tenant_access_facts does. A video
// platform's statement then costs one round trip here instead of five (begin, set_config, the learner, the
// lessons, commit). Row-level security applies as in a tenant transaction (security invoker), so another
// institution's learners and lessons are simply not found.
//
// p_actor: {"by": "email", "email"} | {"by": "mbox_sha1sum", "sha1"} | {"by": "saml", "identityProviderEntityId",
// "nameId"} | {"by": "user_id", "userId"}, emails and hashes in lower case. Returns {"learner": {"userId",
// "clientGroupId"} | null, "lessons": [{id, course_id, kind, title}], "enrolledCourseIds": [...]}: the lesson
// whose xapi_activity_id is p_activity, else those whose content address it is (oldest first, at most 50), and,
// when several and the learner is found, which of their courses the learner holds an enrolment in that is
// not cancelled. A learner is an active learner membership of an active account.
// The migration is frozen: it names tables and columns only.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function xapi_statement_target(p_institution uuid, p_actor jsonb, p_activity text) returns jsonb
      language plpgsql volatile security invoker
      set app.institution_id = ''
    as $$
    declare
      v_user uuid;
      v_group uuid;
      v_lessons jsonb;
      v_enrolled jsonb := '[]';
    begin
      perform set_config('app.institution_id', p_institution::text, true);
      case p_actor->>'by'
        when 'email' then
          select m.user_id, m.client_group_id into v_user, v_group
            from memberships m join users u on u.id = m.user_id
           where m.role = 'learner' and m.status = 'active' and u.status = 'active'
             and u.email = p_actor->>'email'
           limit 1;
        when 'mbox_sha1sum' then
          -- The same expression as users_mbox_sha1_idx, so the lookup is one index probe.
          select m.user_id, m.client_group_id into v_user, v_group
            from memberships m join users u on u.id = m.user_id
           where m.role = 'learner' and m.status = 'active' and u.status = 'active'
             and encode(public.digest('mailto:' || u.email, 'sha1'), 'hex') = p_actor->>'sha1'
           limit 1;
        when 'saml' then
          select m.user_id, m.client_group_id into v_user, v_group
            from memberships m join users u on u.id = m.user_id
            join saml_identity_links l on l.user_id = m.user_id
            join saml_identity_providers p on p.id = l.identity_provider_id
           where m.role = 'learner' and m.status = 'active' and u.status = 'active'
             and p.entity_id = p_actor->>'identityProviderEntityId' and l.name_id = p_actor->>'nameId'
           limit 1;
        when 'user_id' then
          select m.user_id, m.client_group_id into v_user, v_group
            from memberships m join users u on u.id = m.user_id
           where m.role = 'learner' and m.status = 'active' and u.status = 'active'
             and m.user_id = (p_actor->>'userId')::uuid
           limit 1;
        else
          raise exception 'xapi_statement_target: unknown actor key %', p_actor->>'by';
      end case;

      select coalesce(jsonb_agg(jsonb_build_object('id', id, 'course_id', course_id, 'kind', kind, 'title', title)), '[]')
        into v_lessons from lessons where xapi_activity_id = p_activity;
      if v_lessons = '[]' then
        select coalesce(jsonb_agg(jsonb_build_object('id', id, 'course_id', course_id, 'kind', kind, 'title', title)
                                  order by created_at), '[]')
          into v_lessons
          from (select id, course_id, kind, title, created_at from lessons where content_url = p_activity
                 order by created_at limit 50) found;
      end if;

      if jsonb_array_length(v_lessons) > 1 and v_user is not null then
        select coalesce(jsonb_agg(distinct e.course_id), '[]') into v_enrolled
          from enrolments e
         where e.user_id = v_user and e.status <> 'cancelled'
           and e.course_id in (select (lesson->>'course_id')::uuid from jsonb_array_elements(v_lessons) lesson);
      end if;

      return jsonb_build_object(
        'learner', case when v_user is null then null
                        else jsonb_build_object('userId', v_user, 'clientGroupId', v_group) end,
        'lessons', v_lessons,
        'enrolledCourseIds', v_enrolled);
    end
    $$`.execute(db);
  await sql`grant execute on function xapi_statement_target(uuid, jsonb, text) to learnops_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function xapi_statement_target(uuid, jsonb, text)`.execute(db);
}
