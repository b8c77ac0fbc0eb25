import { type Kysely, sql } from "kysely";

// Identity and tenancy: one global identity per email, memberships that tie it to institutions with a role,
// and PostgreSQL row-level security that keeps each institution's rows to itself even when a query forgets
// its tenant filter. The API and the worker connect as `learnops_app`, which owns nothing and is subject to
// every policy; migrations run as the owner.

const tenantTables = ["client_groups", "memberships", "api_keys", "saml_identity_providers", "audit_events"] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$ begin
      if not exists (select from pg_roles where rolname = 'learnops_app') then
        create role learnops_app nologin;
      end if;
    end $$`.execute(db);

  // The tenant and the person a transaction acts for, set with SET LOCAL (set_config(..., true)) by the API.
  await sql`
    create function app_institution_id() returns uuid language sql stable
    as $$ select nullif(current_setting('app.institution_id', true), '')::uuid $$`.execute(db);
  await sql`
    create function app_user_id() returns uuid language sql stable
    as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$`.execute(db);

  await sql`
    alter table institutions
      add column accent_colour text not null default '#1f2937' check (accent_colour ~ '^#[0-9a-fA-F]{6}$'),
      add column logo_url text check (logo_url ~ '^https://'),
      add column policies jsonb not null default '{}'::jsonb check (jsonb_typeof(policies) = 'object'),
      add column updated_at timestamptz not null default now(),
      add unique (id, slug)`.execute(db);

  await sql`
    create table client_groups (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      created_at timestamptz not null default now(),
      unique (institution_id, name),
      unique (id, institution_id)
    )`.execute(db);

  await sql`
    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null check (email = lower(email) and length(email) between 3 and 254 and email like '%_@_%'),
      display_name text not null check (length(display_name) between 1 and 200),
      status text not null default 'active' check (status in ('active', 'suspended')),
      email_verified_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (email)
    )`.execute(db);

  await sql`
    create table memberships (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      role text not null check (role in
        ('learner', 'instructor', 'course_admin', 'support_agent', 'client_manager', 'platform_admin')),
      client_group_id uuid,
      status text not null default 'active' check (status in ('active', 'suspended')),
      created_at timestamptz not null default now(),
      unique (institution_id, user_id, role),
      unique (id, institution_id),
      -- A client group of another institution cannot be referenced, whatever the application does.
      foreign key (client_group_id, institution_id) references client_groups (id, institution_id),
      check (role <> 'client_manager' or client_group_id is not null)
    )`.execute(db);
  await sql`create index memberships_user_idx on memberships (user_id)`.execute(db);

  await sql`
    create table sessions (
      id text primary key check (id ~ '^[0-9a-f]{64}$'),
      user_id uuid not null references users (id) on delete cascade,
      active_membership_id uuid references memberships (id) on delete set null,
      acting_as_user_id uuid references users (id) on delete cascade,
      acting_as_reason text,
      acting_as_expires_at timestamptz,
      created_at timestamptz not null default now(),
      idle_expires_at timestamptz not null,
      absolute_expires_at timestamptz not null,
      ip inet,
      user_agent text,
      check (idle_expires_at <= absolute_expires_at),
      check ((acting_as_user_id is null) = (acting_as_reason is null)
        and (acting_as_user_id is null) = (acting_as_expires_at is null)),
      check (acting_as_user_id is distinct from user_id)
    )`.execute(db);
  await sql`create index sessions_user_idx on sessions (user_id)`.execute(db);

  await sql`
    create table password_credentials (
      user_id uuid primary key references users (id) on delete cascade,
      hash text not null,
      updated_at timestamptz not null default now()
    )`.execute(db);

  // Single-use tokens for password reset and email verification; only their SHA-256 is kept.
  await sql`
    create table auth_tokens (
      id text primary key check (id ~ '^[0-9a-f]{64}$'),
      user_id uuid not null references users (id) on delete cascade,
      purpose text not null check (purpose in ('password_reset', 'email_verification')),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    )`.execute(db);
  await sql`create index auth_tokens_user_idx on auth_tokens (user_id, purpose)`.execute(db);

  // Failed sign-ins per email address, known or not: keyed by the address's SHA-256 so that an address with
  // no account locks exactly like one with an account (no enumeration), and unknown addresses are not kept.
  await sql`
    create table sign_in_lockouts (
      email_hash text primary key check (email_hash ~ '^[0-9a-f]{64}$'),
      failed_count integer not null check (failed_count > 0),
      window_started_at timestamptz not null,
      locked_until timestamptz
    )`.execute(db);

  // Fixed-window counters for rate limits on authentication routes, shared by every API instance.
  await sql`
    create table rate_limit_windows (
      key text not null,
      window_started_at timestamptz not null,
      count integer not null check (count > 0),
      primary key (key, window_started_at)
    )`.execute(db);

  await sql`
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      public_id text not null unique check (public_id ~ '^[a-z2-7]{12}$'),
      secret_hash text not null check (secret_hash ~ '^[0-9a-f]{64}$'),
      scopes text[] not null check (cardinality(scopes) > 0
        and scopes <@ array['xapi:write', 'enrolments:read', 'enrolments:write', 'reports:read']),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db);

  await sql`
    create table saml_identity_providers (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      entity_id text not null,
      sso_url text not null check (sso_url ~ '^https://'),
      certificates text[] not null check (cardinality(certificates) between 1 and 2),
      created_at timestamptz not null default now(),
      unique (institution_id, entity_id)
    )`.execute(db);

  await createAuditTrail(db);

  // learnops_app reads and writes rows; it owns nothing, so it can neither drop nor alter tables, nor turn
  // row-level security off. The audit trail is append-only for it.
  await sql`grant usage on schema public to learnops_app`.execute(db);
  await sql`
    grant select, insert, update, delete on
      institutions, client_groups, users, memberships, sessions, password_credentials, auth_tokens,
      sign_in_lockouts, rate_limit_windows, api_keys, saml_identity_providers, worker_checks
    to learnops_app`.execute(db);
  await sql`grant select, insert on audit_events to learnops_app`.execute(db);
  await sql`grant execute on function app_institution_id(), app_user_id() to learnops_app`.execute(db);

  for (const table of tenantTables) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
  }
  // Every tenant-owned row is visible and writable only under its institution.
  for (const table of ["client_groups", "memberships", "api_keys", "saml_identity_providers"] as const) {
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (institution_id = app_institution_id())
        with check (institution_id = app_institution_id())`.execute(db);
  }
  // A person sees their own memberships in every institution (the membership switcher), and nothing more.
  await sql`create policy own_memberships on memberships for select using (user_id = app_user_id())`.execute(db);
  // A machine client is looked up by the public part of its key before its institution is known.
  await sql`
    create policy api_key_lookup on api_keys for select
      using (public_id = nullif(current_setting('app.api_key_public_id', true), ''))`.execute(db);
}

/**
 * `audit_events` is append-only and hash-chained per institution (institution_id null: the platform's own
 * chain). A trigger numbers each event within its chain and stores sha256(previous hash || the event's
 * canonical form); `audit_chain_breaks` recomputes the chain and reports the first event that does not
 * match, so an edited, deleted or reordered row is detected.
 */
async function createAuditTrail(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_events (
      id bigint generated always as identity primary key,
      institution_id uuid references institutions (id) on delete restrict,
      -- sequence, previous_hash and hash are always set by the chaining trigger; the defaults only let an
      -- insert leave them out.
      sequence bigint not null default 0,
      occurred_at timestamptz not null default clock_timestamp(),
      actor_user_id uuid,
      real_actor_user_id uuid,
      active_membership_id uuid,
      action text not null check (action ~ '^[a-z_]+(\\.[a-z_]+)+$'),
      target_type text,
      target_id text,
      before jsonb,
      after jsonb,
      request_id text,
      ip inet,
      previous_hash text not null default '',
      hash text not null default '',
      unique nulls not distinct (institution_id, sequence)
    )`.execute(db);
  await sql`create index audit_events_listing_idx on audit_events (institution_id, occurred_at desc, id desc)`.execute(
    db,
  );

  // The head of each chain, kept apart so appends serialise per chain on one row lock. Only the trigger
  // (running with its owner's rights) touches it.
  await sql`
    create table audit_chain_heads (
      chain text primary key,
      last_sequence bigint not null,
      last_hash text not null
    )`.execute(db);

  await sql`
    create function audit_event_canonical(e audit_events) returns text language sql immutable
    as $$
      select jsonb_build_array(
        e.institution_id, e.sequence, (extract(epoch from e.occurred_at) * 1000000)::bigint,
        e.actor_user_id, e.real_actor_user_id, e.active_membership_id, e.action, e.target_type, e.target_id,
        e.before, e.after, e.request_id, host(e.ip)
      )::text
    $$`.execute(db);

  await sql`
    create function audit_events_chain() returns trigger language plpgsql security definer
    set search_path = public, pg_temp
    as $$
    declare
      chain_key text := coalesce(new.institution_id::text, 'platform');
      head audit_chain_heads;
    begin
      insert into audit_chain_heads (chain, last_sequence, last_hash)
        values (chain_key, 0, repeat('0', 64))
        on conflict (chain) do nothing;
      select * into head from audit_chain_heads where chain = chain_key for update;
      new.sequence := head.last_sequence + 1;
      new.previous_hash := head.last_hash;
      new.hash := encode(sha256(convert_to(new.previous_hash || audit_event_canonical(new), 'UTF8')), 'hex');
      update audit_chain_heads set last_sequence = new.sequence, last_hash = new.hash where chain = chain_key;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger audit_events_chain before insert on audit_events
      for each row execute function audit_events_chain()`.execute(db);

  // Append-only for everyone, the owner included: rewriting history takes disabling this trigger first.
  await sql`
    create function audit_events_immutable() returns trigger language plpgsql
    as $$ begin raise exception 'audit events are append-only'; end $$`.execute(db);
  await sql`
    create trigger audit_events_immutable before update or delete on audit_events
      for each row execute function audit_events_immutable()`.execute(db);

  await sql`
    create function audit_chain_breaks(chain_institution uuid)
      returns table (sequence bigint, problem text) language sql stable
    as $$
      with chain as (
        select e.sequence, e.previous_hash, e.hash,
               encode(sha256(convert_to(e.previous_hash || audit_event_canonical(e), 'UTF8')), 'hex') as recomputed,
               lag(e.hash) over (order by e.sequence) as expected_previous,
               lag(e.sequence) over (order by e.sequence) as previous_sequence
        from audit_events e
        where e.institution_id is not distinct from chain_institution
      ), head as (
        select last_sequence, last_hash from audit_chain_heads
        where chain = coalesce(chain_institution::text, 'platform')
      )
      select sequence, 'event does not match its hash (edited)' from chain where hash <> recomputed
      union all
      select sequence, 'previous hash does not match the event before (removed or reordered)'
        from chain where previous_hash <> coalesce(expected_previous, repeat('0', 64))
      union all
      select sequence, 'events missing before this one (deleted)'
        from chain where sequence <> coalesce(previous_sequence, 0) + 1
      union all
      select h.last_sequence, 'latest events missing (deleted)'
        from head h where h.last_sequence <> coalesce((select max(c.sequence) from chain c), 0)
      order by 1
    $$`.execute(db);
  await sql`grant execute on function audit_chain_breaks(uuid), audit_event_canonical(audit_events) to learnops_app`.execute(
    db,
  );
  // Verification (audit_chain_breaks runs with the caller's rights) reads the head of the caller's own
  // chain only. Not forced: the chaining trigger, running as the owner, maintains every head.
  await sql`grant select on audit_chain_heads to learnops_app`.execute(db);
  await sql`alter table audit_chain_heads enable row level security`.execute(db);
  await sql`
    create policy own_chain_head on audit_chain_heads for select
      using (chain = app_institution_id()::text
        or (chain = 'platform' and current_setting('app.platform_scope', true) = 'on'))`.execute(db);

  await sql`
    create policy tenant_audit_read on audit_events for select
      using (institution_id = app_institution_id()
        or (institution_id is null and current_setting('app.platform_scope', true) = 'on'))`.execute(db);
  await sql`
    create policy tenant_audit_append on audit_events for insert
      with check (institution_id = app_institution_id()
        or (institution_id is null and current_setting('app.platform_scope', true) = 'on'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function audit_chain_breaks(uuid), audit_event_canonical(audit_events)`.execute(db);
  await sql`drop table audit_events, audit_chain_heads`.execute(db);
  await sql`drop function audit_events_chain(), audit_events_immutable()`.execute(db);
  await sql`
    drop table saml_identity_providers, api_keys, rate_limit_windows, sign_in_lockouts, auth_tokens, password_credentials,
      sessions, memberships, users, client_groups`.execute(db);
  await sql`
    alter table institutions
      drop constraint institutions_id_slug_key,
      drop column accent_colour, drop column logo_url, drop column policies, drop column updated_at`.execute(db);
  await sql`drop function app_institution_id(), app_user_id()`.execute(db);
  await sql`revoke all on all tables in schema public from learnops_app`.execute(db);
  await sql`revoke usage on schema public from learnops_app`.execute(db);
  // The role itself is cluster-wide and may serve other databases on this server: it is left in place.
}
