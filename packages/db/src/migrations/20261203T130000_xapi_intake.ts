import { type Kysely, sql } from "kysely";

// xAPI statement intake (POST /xapi/statements) maps a statement's activity to a lesson and its actor to a
// learner.
//
// - `lessons.xapi_activity_id`: the activity IRI an external tool uses for the lesson, when it is not the
//   lesson's content address. Unique per institution, so one activity names one lesson.
// - An index on the SHA-1 of `mailto:<email>`: an actor identified by `mbox_sha1sum` is found without hashing
//   every address of the institution. PostgreSQL has no built-in SHA-1; pgcrypto (a trusted extension since
//   PostgreSQL 13, so a database owner may create it) provides `digest`.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table lessons
      add column xapi_activity_id text
        -- Bytes, not characters: the unique index's entries must stay under B-tree's limit (about 2.7 kB).
        check (xapi_activity_id ~ '^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]+$' and octet_length(xapi_activity_id) <= 2000),
      add constraint lessons_xapi_activity_id_key unique (institution_id, xapi_activity_id)`.execute(db);
  // Activities not given an id explicitly are matched on the content address. A hash index: content
  // addresses may be 2,000 characters of any script, more than a B-tree entry may hold.
  await sql`create index lessons_content_url_idx on lessons using hash (content_url)`.execute(db);

  await sql`create extension if not exists pgcrypto with schema public`.execute(db);
  await sql`
    create index users_mbox_sha1_idx on users (encode(public.digest('mailto:' || email, 'sha1'), 'hex'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The extension stays: other objects may have come to depend on it, and it holds no data.
  await sql`drop index users_mbox_sha1_idx`.execute(db);
  await sql`drop index lessons_content_url_idx`.execute(db);
  await sql`alter table lessons drop constraint lessons_xapi_activity_id_key, drop column xapi_activity_id`.execute(db);
}
