import { type Kysely, sql } from "kysely";

// Each institution's SAML service provider gets key pairs of its own: one signs its authentication and
// logout requests and decrypts encrypted assertions. Rotation moves a key through next (published, so
// identity providers can pick it up before the switch) -> current (signs) -> previous (still decrypts
// until `decrypts_until`) -> retired (its private key erased). At most one next and one current key per
// institution. Tenant-owned like the other SAML tables: `institution_id`, row-level security forced, one
// tenant_isolation policy, grants to learnops_app.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table saml_service_provider_keys (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      status text not null check (status in ('next', 'current', 'previous', 'retired')),
      -- PKCS#8 PEM; never returned by any procedure, erased when the key is retired.
      private_key text,
      -- PEM of the self-signed X.509 certificate published in the metadata.
      certificate text not null,
      fingerprint_sha256 text not null check (fingerprint_sha256 ~ '^[0-9A-F]{2}(:[0-9A-F]{2}){31}$'),
      not_after timestamptz not null,
      created_at timestamptz not null default now(),
      activated_at timestamptz,
      -- A previous key still decrypts assertions until then (the grace period after a switch).
      decrypts_until timestamptz,
      retired_at timestamptz,
      check ((status = 'retired') = (private_key is null)),
      check (status <> 'previous' or decrypts_until is not null)
    )`.execute(db);
  await sql`create unique index saml_service_provider_keys_one_next on saml_service_provider_keys (institution_id)
    where status = 'next'`.execute(db);
  await sql`create unique index saml_service_provider_keys_one_current on saml_service_provider_keys (institution_id)
    where status = 'current'`.execute(db);
  await sql`grant select, insert, update, delete on saml_service_provider_keys to learnops_app`.execute(db);
  await sql`alter table saml_service_provider_keys enable row level security`.execute(db);
  await sql`alter table saml_service_provider_keys force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on saml_service_provider_keys
      using (institution_id = app_institution_id())
      with check (institution_id = app_institution_id())`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table saml_service_provider_keys`.execute(db);
}
