import { type Kysely, sql } from "kysely";

// The API keeps resolved sessions and learners' access facts in memory (see ADR 011). Every table those come
// from announces its changes on the `access_changes` channel when the change commits, so every API instance
// evicts what the change touched. Statement-level triggers with transition tables: one notification per
// statement, however many rows it changed. The payload is JSON naming what to evict:
//   {"sessions": [...]}       session ids (the token's hash)
//   {"users": [...]}          every cached session of, or acting as, these people, and all their facts
//   {"userCourses": [...]}    "<user id>:<course id>" pairs: those learners' facts in those courses
//   {"courses": [...]}        every learner's facts in these courses
//   {"institutions": [...]}   every session acting in, and every fact of, these institutions
//   {"all": true}             everything (TRUNCATE, or a change too large to name)
// A payload must stay under PostgreSQL's 8000 bytes: a statement that changed too many keys to name (a bulk
// import of thousands of enrolments) announces its coarse key instead (the institutions, or the people), and
// failing that everything. The migration is frozen: it names tables, never application code.

const channel = "access_changes";
const payloadLimit = 7_900;

/** Each table: the payload field and key expression, then the coarse field and key expression. */
type Event = "insert" | "update" | "delete";
const watched: readonly { table: string; key: [string, string]; coarse: [string, string]; events?: Event[] }[] = [
  // Nothing is cached before it exists: a new session, person or institution evicts nothing.
  { table: "sessions", key: ["sessions", "id"], coarse: ["users", "user_id::text"], events: ["update", "delete"] },
  { table: "users", key: ["users", "id::text"], coarse: ["all", ""], events: ["update", "delete"] },
  { table: "memberships", key: ["users", "user_id::text"], coarse: ["institutions", "institution_id::text"] },
  { table: "institutions", key: ["institutions", "id::text"], coarse: ["all", ""], events: ["update", "delete"] },
  {
    table: "enrolments",
    key: ["userCourses", "user_id::text || ':' || course_id::text"],
    coarse: ["institutions", "institution_id::text"],
  },
  {
    table: "access_overrides",
    key: ["userCourses", "user_id::text || ':' || course_id::text"],
    coarse: ["institutions", "institution_id::text"],
  },
  {
    table: "lesson_progress",
    key: ["userCourses", "user_id::text || ':' || course_id::text"],
    coarse: ["institutions", "institution_id::text"],
  },
  // An enrolment names its contract; a contract's dates or status reach every course it covers.
  { table: "client_contracts", key: ["institutions", "institution_id::text"], coarse: ["all", ""] },
  {
    table: "client_contract_courses",
    key: ["courses", "course_id::text"],
    coarse: ["institutions", "institution_id::text"],
  },
  { table: "cohorts", key: ["courses", "course_id::text"], coarse: ["institutions", "institution_id::text"] },
  { table: "courses", key: ["courses", "id::text"], coarse: ["institutions", "institution_id::text"] },
  { table: "modules", key: ["courses", "course_id::text"], coarse: ["institutions", "institution_id::text"] },
  { table: "lessons", key: ["courses", "course_id::text"], coarse: ["institutions", "institution_id::text"] },
  {
    table: "lesson_prerequisites",
    key: ["courses", "course_id::text"],
    coarse: ["institutions", "institution_id::text"],
  },
  {
    table: "module_prerequisites",
    key: ["courses", "course_id::text"],
    coarse: ["institutions", "institution_id::text"],
  },
  // Facts carry a promotion's code only: its use count changes on every redemption and must not evict, so
  // its updates are announced by a row trigger on the code alone (transition tables allow no column list).
  { table: "promotions", key: ["institutions", "institution_id::text"], coarse: ["all", ""], events: ["delete"] },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function notify_access_change() returns trigger language plpgsql security invoker as $$
    declare
      field text := tg_argv[0];
      key_expression text := tg_argv[1];
      coarse_field text := tg_argv[2];
      coarse_expression text := tg_argv[3];
      changed text;
      keys text[];
      payload text;
    begin
      if tg_op = 'TRUNCATE' then
        perform pg_notify(${sql.lit(channel)}, '{"all":true}');
        return null;
      end if;
      changed := case tg_op
        when 'INSERT' then 'select %1$s from new_rows'
        when 'DELETE' then 'select %1$s from old_rows'
        else 'select %1$s from new_rows union select %1$s from old_rows' end;
      execute format('select array_agg(distinct k) from (' || changed || ') changed(k)', key_expression) into keys;
      if keys is null then
        return null;
      end if;
      payload := json_build_object(field, keys)::text;
      if octet_length(payload) > ${sql.lit(payloadLimit)} and coarse_field <> 'all' then
        execute format('select array_agg(distinct k) from (' || changed || ') changed(k)', coarse_expression) into keys;
        payload := json_build_object(coarse_field, keys)::text;
      end if;
      if octet_length(payload) > ${sql.lit(payloadLimit)} then
        payload := '{"all":true}';
      end if;
      perform pg_notify(${sql.lit(channel)}, payload);
      return null;
    end
    $$`.execute(db);

  for (const { table, key, coarse, events = ["insert", "update", "delete"] } of watched) {
    const args = [key[0], key[1], coarse[0], coarse[1]].map((arg) => sql.lit(arg));
    const trigger = (name: string, event: string, referencing: string) =>
      sql`create trigger ${sql.id(`${table}_${name}_access_changes`)} after ${sql.raw(event)} on ${sql.id(table)}
            ${sql.raw(referencing)} for each statement
            execute function notify_access_change(${sql.join(args)})`.execute(db);
    // Transition tables allow one event per trigger.
    if (events.includes("insert")) await trigger("insert", "insert", "referencing new table as new_rows");
    if (events.includes("update")) {
      await trigger("update", "update", "referencing old table as old_rows new table as new_rows");
    }
    if (events.includes("delete")) await trigger("delete", "delete", "referencing old table as old_rows");
    await sql`create trigger ${sql.id(`${table}_truncate_access_changes`)} after truncate on ${sql.id(table)}
                for each statement execute function notify_access_change(${sql.join(args)})`.execute(db);
  }
  await sql`
    create function notify_promotion_code_change() returns trigger language plpgsql security invoker as $$
    begin
      perform pg_notify(${sql.lit(channel)}, json_build_object('institutions', array[new.institution_id::text])::text);
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger promotions_code_access_changes after update of code on promotions
      for each row when (old.code is distinct from new.code) execute function notify_promotion_code_change()`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger promotions_code_access_changes on promotions`.execute(db);
  await sql`drop function notify_promotion_code_change()`.execute(db);
  for (const { table } of watched) {
    for (const name of ["insert", "update", "delete", "truncate"]) {
      await sql`drop trigger if exists ${sql.id(`${table}_${name}_access_changes`)} on ${sql.id(table)}`.execute(db);
    }
  }
  await sql`drop function notify_access_change()`.execute(db);
}
