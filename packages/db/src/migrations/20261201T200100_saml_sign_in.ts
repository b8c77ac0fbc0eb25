import { type Kysely, sql } from "kysely";

// SAML 2.0 sign-in per institution. An identity provider gains what sign-in needs (how to map its
// attributes, which roles its assertions may grant, whether it vouches for email addresses); three new
// tenant-owned tables keep what samlify does not check for us: the authentication requests this server
// issued (single use, so a response must answer one of them: InResponseTo), the assertions already used
// (until they expire, so a captured response cannot be replayed), and the link between an institution's
// identity-provider account (its NameID) and a LearnOps user. Every table follows the identity migration:
// `institution_id`, row-level security enabled and forced, one tenant_isolation policy, grants to
// learnops_app.

const newTables = ["saml_authn_requests", "saml_seen_assertions", "saml_identity_links", "saml_link_requests"] as const;

/** http:// only for this machine (the demo identity provider); everything else must be https://. */
const endpointCheck = (column: string) =>
  sql.raw(`${column} ~ '^https://' or ${column} ~ '^http://(localhost|127\\.0\\.0\\.1)(:[0-9]+)?/'`);

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table saml_identity_providers drop constraint saml_identity_providers_sso_url_check`.execute(db);
  await sql`
    alter table saml_identity_providers
      add constraint saml_identity_providers_sso_url_check check (${endpointCheck("sso_url")}),
      add column slo_url text check (slo_url is null or (${endpointCheck("slo_url")})),
      -- Attribute names of this identity provider for email, given name, family name, display name, role
      -- and client group; missing keys use the common defaults (see packages/auth/src/saml/attributes.ts).
      add column attribute_map jsonb not null default '{}'::jsonb check (jsonb_typeof(attribute_map) = 'object'),
      -- Roles an assertion may grant at first sign-in; anything else asserted becomes the default role.
      -- Never platform_admin: that is not the institution's to hand out.
      add column assertable_roles text[] not null default array['learner']
        check (cardinality(assertable_roles) >= 1 and assertable_roles <@
          array['learner', 'instructor', 'course_admin', 'support_agent', 'client_manager']),
      -- Whether the institution says this identity provider verifies the addresses it asserts; only then
      -- may an assertion's address link to an existing account (whose own address is verified).
      add column trusts_email boolean not null default false,
      add column updated_at timestamptz not null default now(),
      add unique (id, institution_id)`.execute(db);

  await sql`
    create table saml_authn_requests (
      id text primary key check (id ~ '^[A-Za-z_][A-Za-z0-9_.-]{15,127}$'),
      institution_id uuid not null references institutions (id) on delete cascade,
      identity_provider_id uuid not null,
      -- Where to go after sign-in: a path of one of the web apps, checked when the request is issued.
      return_to text not null check (return_to ~ '^/(learn|teach|admin)/'),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      foreign key (identity_provider_id, institution_id)
        references saml_identity_providers (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index saml_authn_requests_expiry_idx on saml_authn_requests (institution_id, expires_at)`.execute(
    db,
  );

  await sql`
    create table saml_seen_assertions (
      institution_id uuid not null references institutions (id) on delete cascade,
      assertion_id text not null check (length(assertion_id) between 1 and 256),
      identity_provider_id uuid not null,
      -- Kept until the assertion could no longer be accepted anyway (its NotOnOrAfter plus the clock skew).
      expires_at timestamptz not null,
      primary key (institution_id, assertion_id),
      foreign key (identity_provider_id, institution_id)
        references saml_identity_providers (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index saml_seen_assertions_expiry_idx on saml_seen_assertions (institution_id, expires_at)`.execute(
    db,
  );

  await sql`
    create table saml_identity_links (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      identity_provider_id uuid not null,
      name_id text not null check (length(name_id) between 1 and 256),
      user_id uuid not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      last_signed_in_at timestamptz,
      unique (identity_provider_id, name_id),
      foreign key (identity_provider_id, institution_id)
        references saml_identity_providers (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index saml_identity_links_user_idx on saml_identity_links (user_id)`.execute(db);

  // A sign-in refused because an account with the asserted address exists but may not be linked on the
  // address alone: an admin of the institution may confirm (or reject) the link.
  await sql`
    create table saml_link_requests (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      identity_provider_id uuid not null,
      name_id text not null check (length(name_id) between 1 and 256),
      user_id uuid not null references users (id) on delete cascade,
      asserted_email text not null,
      requested_at timestamptz not null default now(),
      unique (identity_provider_id, name_id),
      foreign key (identity_provider_id, institution_id)
        references saml_identity_providers (id, institution_id) on delete cascade
    )`.execute(db);

  // A session started by an institution's identity provider acts only in that institution: an identity
  // provider vouches for its own people, never for what the same account may do elsewhere. What single
  // logout needs (the NameID and SessionIndex the identity provider knows the session by) is kept with it.
  await sql`
    alter table sessions
      add column saml_institution_id uuid references institutions (id) on delete cascade,
      add column saml_identity_provider_id uuid references saml_identity_providers (id) on delete cascade,
      add column saml_name_id text,
      add column saml_session_index text,
      add constraint sessions_saml_check check (
        (saml_institution_id is null) = (saml_identity_provider_id is null)
        and (saml_institution_id is null) = (saml_name_id is null)
        and (saml_session_index is null or saml_institution_id is not null))`.execute(db);
  await sql`create index sessions_saml_idx on sessions (saml_identity_provider_id, saml_name_id)
    where saml_identity_provider_id is not null`.execute(db);

  await sql`
    grant select, insert, update, delete on saml_authn_requests, saml_seen_assertions, saml_identity_links,
      saml_link_requests
    to learnops_app`.execute(db);
  for (const table of newTables) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (institution_id = app_institution_id())
        with check (institution_id = app_institution_id())`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table sessions
      drop constraint sessions_saml_check,
      drop column saml_institution_id, drop column saml_identity_provider_id, drop column saml_name_id,
      drop column saml_session_index`.execute(db);
  await sql`drop table saml_link_requests, saml_identity_links, saml_seen_assertions, saml_authn_requests`.execute(db);
  await sql`
    alter table saml_identity_providers
      drop constraint saml_identity_providers_id_institution_id_key,
      drop column slo_url, drop column attribute_map, drop column assertable_roles, drop column trusts_email,
      drop column updated_at,
      drop constraint saml_identity_providers_sso_url_check`.execute(db);
  await sql`
    alter table saml_identity_providers
      add constraint saml_identity_providers_sso_url_check check (sso_url ~ '^https://')`.execute(db);
}
