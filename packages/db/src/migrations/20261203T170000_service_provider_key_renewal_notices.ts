import { type Kysely, sql } from "kysely";

// The worker emails an institution's single sign-on administrators when its current service provider key's
// certificate nears its end (prepare the next key), when the next key is ready (switch to it), and when the
// certificate has run out. Each key records the last of those steps it was emailed about, so each step goes
// out once per key, however often the job runs or is delivered again. The migration is frozen.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table saml_service_provider_keys
      add column renewal_notice text check (renewal_notice in ('prepare', 'switch', 'expired'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table saml_service_provider_keys drop column renewal_notice`.execute(db);
}
