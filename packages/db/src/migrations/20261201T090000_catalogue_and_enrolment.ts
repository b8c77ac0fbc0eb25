import { type Kysely, sql } from "kysely";

// The catalogue (courses -> modules -> lessons, programs), dated cohorts, and everything that decides who may
// open a course: enrolments and their sources, corporate contracts, promotions, payments and admin
// overrides. Lesson content stays in the tools that host it: a lesson holds a reference (URL, provider,
// external id), never the content. Every table is tenant-owned: `institution_id`, row-level security, and
// composite foreign keys `(x_id, institution_id)` so that no row can point into another institution.

const tenantTables = [
  "courses",
  "modules",
  "lessons",
  "lesson_prerequisites",
  "module_prerequisites",
  "programs",
  "program_courses",
  "cohorts",
  "cohort_instructors",
  "cohort_deadlines",
  "client_contracts",
  "client_contract_courses",
  "promotions",
  "promotion_courses",
  "enrolments",
  "deadline_extensions",
  "access_overrides",
  "promotion_redemptions",
  "payment_events",
  "lesson_progress",
  "enrolment_imports",
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table courses (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      code text not null check (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(code) between 2 and 60),
      title text not null check (length(title) between 1 and 200),
      summary text not null default '' check (length(summary) <= 2000),
      status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
      -- Price for individual purchase (payment enrolments); null: not sold to individuals.
      price_cents integer check (price_cents >= 0),
      currency text check (currency ~ '^[A-Z]{3}$'),
      -- Days of access an enrolment gets when nothing else sets its expiry; null: no expiry.
      access_days integer check (access_days between 1 and 3650),
      -- What later features read: completion rules, certificate rule, continuing-education credits.
      settings jsonb not null default '{}'::jsonb check (jsonb_typeof(settings) = 'object'),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (institution_id, code),
      unique (id, institution_id),
      check ((price_cents is null) = (currency is null))
    )`.execute(db);

  await sql`
    create table modules (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null,
      course_id uuid not null,
      position integer not null check (position >= 0),
      title text not null check (length(title) between 1 and 200),
      created_at timestamptz not null default now(),
      unique (id, institution_id),
      unique (id, course_id),
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index modules_course_idx on modules (course_id, position)`.execute(db);

  await sql`
    create table lessons (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null,
      course_id uuid not null,
      module_id uuid not null,
      position integer not null check (position >= 0),
      title text not null check (length(title) between 1 and 200),
      kind text not null check (kind in ('video', 'reading', 'resource', 'quiz', 'assignment', 'live_session')),
      -- Where the content lives: a reference to the tool that hosts it.
      content_url text not null check (content_url ~ '^https://' and length(content_url) <= 2000),
      content_provider text not null check (length(content_provider) between 1 and 100),
      content_external_id text check (length(content_external_id) between 1 and 200),
      duration_minutes integer check (duration_minutes between 1 and 10000),
      required boolean not null default true,
      created_at timestamptz not null default now(),
      unique (id, institution_id),
      unique (id, course_id),
      foreign key (module_id, course_id) references modules (id, course_id) on delete cascade,
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index lessons_module_idx on lessons (module_id, position)`.execute(db);
  await sql`create index lessons_course_idx on lessons (course_id)`.execute(db);

  // Prerequisites stay inside one course: both ends reference (id, course_id).
  await sql`
    create table lesson_prerequisites (
      institution_id uuid not null references institutions (id) on delete cascade,
      course_id uuid not null,
      lesson_id uuid not null,
      required_lesson_id uuid not null,
      primary key (lesson_id, required_lesson_id),
      check (lesson_id <> required_lesson_id),
      foreign key (lesson_id, course_id) references lessons (id, course_id) on delete cascade,
      foreign key (required_lesson_id, course_id) references lessons (id, course_id) on delete cascade
    )`.execute(db);
  await sql`
    create table module_prerequisites (
      institution_id uuid not null references institutions (id) on delete cascade,
      course_id uuid not null,
      module_id uuid not null,
      required_module_id uuid not null,
      primary key (module_id, required_module_id),
      check (module_id <> required_module_id),
      foreign key (module_id, course_id) references modules (id, course_id) on delete cascade,
      foreign key (required_module_id, course_id) references modules (id, course_id) on delete cascade
    )`.execute(db);

  await sql`
    create table programs (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      code text not null check (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(code) between 2 and 60),
      title text not null check (length(title) between 1 and 200),
      status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
      created_at timestamptz not null default now(),
      unique (institution_id, code),
      unique (id, institution_id)
    )`.execute(db);
  await sql`
    create table program_courses (
      institution_id uuid not null,
      program_id uuid not null,
      course_id uuid not null,
      position integer not null check (position >= 0),
      primary key (program_id, course_id),
      foreign key (program_id, institution_id) references programs (id, institution_id) on delete cascade,
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);

  await sql`
    create table cohorts (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null,
      course_id uuid not null,
      name text not null check (length(name) between 1 and 200),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      enrolment_opens_at timestamptz,
      enrolment_closes_at timestamptz,
      capacity integer check (capacity between 1 and 100000),
      client_group_id uuid,
      created_at timestamptz not null default now(),
      unique (id, institution_id),
      unique (id, course_id),
      unique (course_id, name),
      check (starts_at < ends_at),
      check (enrolment_opens_at is null or enrolment_closes_at is null or enrolment_opens_at < enrolment_closes_at),
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade,
      foreign key (client_group_id, institution_id) references client_groups (id, institution_id)
    )`.execute(db);
  await sql`
    create table cohort_instructors (
      institution_id uuid not null,
      cohort_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      primary key (cohort_id, user_id),
      foreign key (cohort_id, institution_id) references cohorts (id, institution_id) on delete cascade
    )`.execute(db);
  // A deadline for a module or for one lesson (an assignment), per cohort.
  await sql`
    create table cohort_deadlines (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null,
      cohort_id uuid not null,
      course_id uuid not null,
      module_id uuid,
      lesson_id uuid,
      due_at timestamptz not null,
      unique (id, institution_id),
      check ((module_id is null) <> (lesson_id is null)),
      foreign key (cohort_id, course_id) references cohorts (id, course_id) on delete cascade,
      foreign key (cohort_id, institution_id) references cohorts (id, institution_id) on delete cascade,
      foreign key (module_id, course_id) references modules (id, course_id) on delete cascade,
      foreign key (lesson_id, course_id) references lessons (id, course_id) on delete cascade
    )`.execute(db);
  await sql`create unique index cohort_deadlines_module_idx on cohort_deadlines (cohort_id, module_id)
    where module_id is not null`.execute(db);
  await sql`create unique index cohort_deadlines_lesson_idx on cohort_deadlines (cohort_id, lesson_id)
    where lesson_id is not null`.execute(db);

  // A corporate client's training contract: which courses its people may take, and from when until when.
  await sql`
    create table client_contracts (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null,
      client_group_id uuid not null,
      name text not null check (length(name) between 1 and 200),
      starts_on date not null,
      ends_on date not null,
      status text not null default 'active' check (status in ('active', 'terminated')),
      created_at timestamptz not null default now(),
      unique (id, institution_id),
      check (starts_on <= ends_on),
      foreign key (client_group_id, institution_id) references client_groups (id, institution_id)
    )`.execute(db);
  await sql`
    create table client_contract_courses (
      institution_id uuid not null,
      contract_id uuid not null,
      course_id uuid not null,
      primary key (contract_id, course_id),
      foreign key (contract_id, institution_id) references client_contracts (id, institution_id) on delete cascade,
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);

  await sql`
    create table promotions (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      code text not null check (code ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$' and length(code) between 3 and 40),
      description text not null default '' check (length(description) <= 500),
      max_uses integer check (max_uses >= 1),
      uses integer not null default 0 check (uses >= 0),
      valid_from timestamptz not null,
      valid_until timestamptz not null,
      -- Days of access a redemption gives.
      access_days integer not null check (access_days between 1 and 3650),
      created_at timestamptz not null default now(),
      unique (institution_id, code),
      unique (id, institution_id),
      check (valid_from < valid_until),
      check (max_uses is null or uses <= max_uses)
    )`.execute(db);
  await sql`
    create table promotion_courses (
      institution_id uuid not null,
      promotion_id uuid not null,
      course_id uuid not null,
      primary key (promotion_id, course_id),
      foreign key (promotion_id, institution_id) references promotions (id, institution_id) on delete cascade,
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);

  await sql`
    create table enrolments (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      course_id uuid not null,
      cohort_id uuid,
      source text not null check (source in ('payment', 'corporate_contract', 'manual_grant', 'promotion',
        'admin_override', 'sso_provisioning', 'import')),
      status text not null check (status in ('pending', 'active', 'expired', 'suspended', 'completed',
        'cancelled', 'review_required')),
      payment_state text not null default 'not_required'
        check (payment_state in ('not_required', 'pending', 'paid', 'refunded', 'failed')),
      payment_state_since timestamptz,
      expires_at timestamptz,
      client_group_id uuid,
      contract_id uuid,
      promotion_id uuid,
      -- Why the status is what it is (the last change's reason), for learners and support.
      status_reason text check (length(status_reason) <= 500),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz,
      unique (id, institution_id),
      foreign key (course_id, institution_id) references courses (id, institution_id),
      foreign key (cohort_id, course_id) references cohorts (id, course_id),
      foreign key (client_group_id, institution_id) references client_groups (id, institution_id),
      foreign key (contract_id, institution_id) references client_contracts (id, institution_id),
      foreign key (promotion_id, institution_id) references promotions (id, institution_id),
      check ((source = 'corporate_contract') = (contract_id is not null)),
      check ((source = 'promotion') = (promotion_id is not null)),
      check (source <> 'payment' or payment_state <> 'not_required')
    )`.execute(db);
  // One live enrolment per learner and course: ended ones (expired, completed, cancelled) stay as history.
  await sql`
    create unique index enrolments_one_live_idx on enrolments (institution_id, user_id, course_id)
      where status in ('pending', 'active', 'suspended', 'review_required')`.execute(db);
  await sql`create index enrolments_user_idx on enrolments (user_id, course_id)`.execute(db);
  await sql`create index enrolments_course_idx on enrolments (course_id, status)`.execute(db);
  await sql`create index enrolments_cohort_idx on enrolments (cohort_id) where cohort_id is not null`.execute(db);

  // A learner's own deadline, later than the cohort's (an extension granted by staff).
  await sql`
    create table deadline_extensions (
      institution_id uuid not null,
      enrolment_id uuid not null,
      deadline_id uuid not null,
      due_at timestamptz not null,
      reason text not null check (length(reason) between 3 and 500),
      granted_by uuid references users (id) on delete set null,
      granted_at timestamptz not null default now(),
      primary key (enrolment_id, deadline_id),
      foreign key (enrolment_id, institution_id) references enrolments (id, institution_id) on delete cascade,
      foreign key (deadline_id, institution_id) references cohort_deadlines (id, institution_id) on delete cascade
    )`.execute(db);

  // An administrator's decision that outranks enrolment: allow or deny one learner a course, for a reason,
  // until a time.
  await sql`
    create table access_overrides (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      course_id uuid not null,
      effect text not null check (effect in ('allow', 'deny')),
      reason text not null check (length(reason) between 10 and 500),
      starts_at timestamptz not null default now(),
      expires_at timestamptz not null,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      revoked_by uuid references users (id) on delete set null,
      unique (id, institution_id),
      check (starts_at < expires_at),
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index access_overrides_user_idx on access_overrides (user_id, course_id)`.execute(db);

  await sql`
    create table promotion_redemptions (
      institution_id uuid not null,
      promotion_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      enrolment_id uuid not null,
      redeemed_at timestamptz not null default now(),
      primary key (promotion_id, user_id),
      foreign key (promotion_id, institution_id) references promotions (id, institution_id) on delete cascade,
      foreign key (enrolment_id, institution_id) references enrolments (id, institution_id) on delete cascade
    )`.execute(db);

  // Every payment provider event received, once: the provider's event id makes a replay a no-op.
  await sql`
    create table payment_events (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      provider text not null,
      provider_event_id text not null check (length(provider_event_id) between 1 and 200),
      type text not null,
      enrolment_id uuid,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now(),
      payload jsonb not null,
      -- What the event did: 'applied', or why it changed nothing ('stale', 'unknown_enrolment', ...).
      outcome text not null,
      unique (provider, provider_event_id),
      foreign key (enrolment_id, institution_id) references enrolments (id, institution_id) on delete set null (enrolment_id)
    )`.execute(db);

  // Per learner and lesson: started and completed. Written by the progress engine; read by prerequisites.
  await sql`
    create table lesson_progress (
      institution_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      course_id uuid not null,
      lesson_id uuid not null,
      started_at timestamptz,
      completed_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (user_id, lesson_id),
      foreign key (lesson_id, course_id) references lessons (id, course_id) on delete cascade,
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index lesson_progress_course_idx on lesson_progress (user_id, course_id)`.execute(db);

  // A bulk enrolment upload: validated (dry run), then applied by the worker, with its progress and the
  // rows it rejected and why.
  await sql`
    create table enrolment_imports (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null references institutions (id) on delete cascade,
      kind text not null check (kind in ('enrolments', 'client_roster')),
      client_group_id uuid,
      file_name text not null check (length(file_name) between 1 and 255),
      file_sha256 text not null check (file_sha256 ~ '^[0-9a-f]{64}$'),
      status text not null check (status in ('validated', 'queued', 'running', 'completed', 'failed')),
      total_rows integer not null default 0,
      processed_rows integer not null default 0,
      created_rows integer not null default 0,
      unchanged_rows integer not null default 0,
      rejected_rows integer not null default 0,
      -- The valid rows to apply, and the rejected ones with their reasons.
      rows jsonb not null default '[]'::jsonb,
      rejections jsonb not null default '[]'::jsonb,
      error text,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      completed_at timestamptz,
      unique (id, institution_id),
      foreign key (client_group_id, institution_id) references client_groups (id, institution_id),
      check ((kind = 'client_roster') = (client_group_id is not null))
    )`.execute(db);

  await sql`
    alter table memberships
      add column directory_opt_out boolean not null default false`.execute(db);

  await sql.raw(`grant select, insert, update, delete on ${tenantTables.join(", ")} to learnops_app`).execute(db);
  for (const table of tenantTables) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (institution_id = app_institution_id())
        with check (institution_id = app_institution_id())`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table memberships drop column directory_opt_out`.execute(db);
  for (const table of [...tenantTables].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
