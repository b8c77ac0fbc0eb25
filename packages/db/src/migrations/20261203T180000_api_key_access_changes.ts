import { type Kysely, sql } from "kysely";

// The API keeps authenticated API keys in its access cache (ADR 011), so a machine client's requests (a video
// platform's xAPI statements) do not each read their key. A key's row announces its changes on the
// `access_changes` channel as `{"apiKeys": [public ids]}`, through the same function as the other watched
// tables: revoking a key evicts it on every instance. Recording a key's use (`last_used_at`, at most once a
// minute) evicts it too, and the next request reads it again. A new key evicts nothing.
// The migration is frozen: it names tables and columns only.

const args = sql.join(["apiKeys", "public_id", "all", ""].map((arg) => sql.lit(arg)));

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create trigger api_keys_update_access_changes after update on api_keys
              referencing old table as old_rows new table as new_rows for each statement
              execute function notify_access_change(${args})`.execute(db);
  await sql`create trigger api_keys_delete_access_changes after delete on api_keys
              referencing old table as old_rows for each statement
              execute function notify_access_change(${args})`.execute(db);
  await sql`create trigger api_keys_truncate_access_changes after truncate on api_keys
              for each statement execute function notify_access_change(${args})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ["update", "delete", "truncate"]) {
    await sql`drop trigger ${sql.id(`api_keys_${name}_access_changes`)} on api_keys`.execute(db);
  }
}
