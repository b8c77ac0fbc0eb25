import { type Kysely, sql } from "kysely";

// The email outbox: every message the platform sends is first a row here, written in the transaction of the
// change that calls for it (with its delivery job), so nothing is lost when the provider is down and nothing
// is sent for a change that rolled back. An email belongs to a person, not to an institution: no tenant
// column and no row-level security, like `users` and `auth_tokens`.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table email_outbox (
      id uuid primary key default gen_random_uuid(),
      -- The person it is for; their messages go when they do.
      user_id uuid references users (id) on delete cascade,
      kind text not null check (kind ~ '^[a-z]+(_[a-z]+)*$'),
      to_address text not null check (length(to_address) between 3 and 254 and to_address like '%_@_%'),
      subject text not null check (length(subject) between 1 and 998),
      -- The bodies may carry a single-use link: they are erased once the message is sent.
      text_body text,
      html_body text,
      created_at timestamptz not null default now(),
      attempts integer not null default 0 check (attempts >= 0),
      last_attempt_at timestamptz,
      last_error text,
      sent_at timestamptz,
      -- 'resend', or 'log' when no provider is configured (development: written to the log, not sent).
      provider text,
      provider_message_id text,
      check ((sent_at is null) = (provider is null)),
      check (provider_message_id is null or sent_at is not null),
      check (sent_at is not null or (text_body is not null and html_body is not null))
    )`.execute(db);
  await sql`create index email_outbox_unsent_idx on email_outbox (created_at) where sent_at is null`.execute(db);
  await sql`create index email_outbox_user_idx on email_outbox (user_id)`.execute(db);

  // The API queues messages, the worker reads and marks them; neither deletes (the user's removal does).
  await sql`grant select, insert, update on email_outbox to learnops_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table email_outbox`.execute(db);
}
