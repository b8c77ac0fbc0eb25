import { type Kysely, sql } from "kysely";

// Every request with a session cookie resolves it: the session, its person and its active membership with
// the institution's branding. That took a statement, then a transaction of three more (the membership is
// visible only to a transaction acting for its person). One function call does it in one round trip, with
// its plans prepared once per connection. It acts for the session's own person only, and the SET clause
// restores app.user_id when it returns, so nothing of it outlives the call.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function session_lookup(p_session_id text)
      returns json language plpgsql volatile security invoker
      set app.user_id = ''
    as $$
    declare
      found_session json;
      session_user_id uuid;
      active_membership_id uuid;
    begin
      select row_to_json(s), s.user_id, s.active_membership_id
        into found_session, session_user_id, active_membership_id
        from (select sessions.id, sessions.user_id, sessions.active_membership_id, sessions.acting_as_user_id,
                     sessions.acting_as_reason, sessions.acting_as_expires_at, sessions.created_at,
                     sessions.idle_expires_at, sessions.absolute_expires_at,
                     users.email, users.display_name, users.status
                from sessions join users on users.id = sessions.user_id
               where sessions.id = p_session_id) s;
      if found_session is null then
        return null;
      end if;
      perform set_config('app.user_id', session_user_id::text, true);
      return json_build_object('session', found_session, 'membership', (
        select row_to_json(m) from (
          select memberships.id, memberships.role, memberships.status, memberships.client_group_id,
                 memberships.institution_id, institutions.slug as institution_slug,
                 institutions.display_name as institution_name, institutions.primary_colour,
                 institutions.accent_colour, institutions.logo_url
            from memberships join institutions on institutions.id = memberships.institution_id
           where memberships.id = active_membership_id and memberships.user_id = session_user_id) m));
    end
    $$`.execute(db);
  await sql`grant execute on function session_lookup(text) to learnops_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function session_lookup(text)`.execute(db);
}
