import { type Kysely, sql } from "kysely";

// session_lookup (20261201T100100) also returns the institution whose identity provider signed the session in
// (sessions.saml_institution_id, added by the SAML migration): a SAML session acts only in that institution.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function session_lookup(p_session_id text)
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
                     sessions.idle_expires_at, sessions.absolute_expires_at, sessions.saml_institution_id,
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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function session_lookup(p_session_id text)
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
}
