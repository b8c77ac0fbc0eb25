import { type Kysely, sql } from "kysely";

// access_facts for one institution, in one statement outside any transaction: it sets the institution and
// the person itself, and its SET clauses restore both when it returns. access.check, the hot path of every
// lesson open, then costs one round trip after the session instead of four (begin, set_config, the facts,
// commit). The caller passes the institution of the session's active membership, never a client's input.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function tenant_access_facts(
      p_institution uuid, p_user uuid, p_lesson uuid, p_course uuid, p_now timestamptz
    ) returns json language plpgsql volatile security invoker
      set app.institution_id = ''
      set app.user_id = ''
    as $$
    begin
      perform set_config('app.institution_id', p_institution::text, true),
              set_config('app.user_id', p_user::text, true);
      return access_facts(p_user, p_lesson, p_course, p_now);
    end
    $$`.execute(db);
  await sql`grant execute on function tenant_access_facts(uuid, uuid, uuid, uuid, timestamptz) to learnops_app`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function tenant_access_facts(uuid, uuid, uuid, uuid, timestamptz)`.execute(db);
}
