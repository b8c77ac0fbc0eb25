// The platform's database under test, reached directly as its owner: for what a browser cannot do itself (read
// the emails the platform queued, add a person for one test). The embedded PostgreSQL of this run listens on
// the port playwright.config.ts chose (LEARNOPS_E2E_PG_PORT) with the embedded server's superuser
// (packages/db/src/embedded.ts); nothing here ever touches another database.
import pg from "pg";
import { demoPassword } from "./test.ts";

function ownerUrl(): string {
  const port = process.env.LEARNOPS_E2E_PG_PORT;
  if (!port) throw new Error("LEARNOPS_E2E_PG_PORT is not set: run the tests through playwright.config.ts");
  return `postgres://learnops:learnops@127.0.0.1:${port}/learnops`;
}

/** Runs `work` on a connection of its own, closed afterwards. */
async function withDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ownerUrl(), application_name: "learnops-e2e" });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Emails
// ---------------------------------------------------------------------------------------------------------

/**
 * The worker erases a message's bodies as soon as it has delivered it (they may hold a single-use link), which
 * happens within milliseconds of the API queueing it. So this run keeps a copy of each message as it is queued:
 * a trigger on `email_outbox` in this run's throwaway database, installed once by whichever test asks first.
 */
export async function captureEmails(): Promise<void> {
  await withDatabase(async (client) => {
    await client.query("begin");
    try {
      // Two workers may install at once; the second finds everything in place.
      await client.query("select pg_advisory_xact_lock(hashtext('learnops-e2e-captured-emails'))");
      await client.query(`
        create table if not exists e2e_captured_emails (
          id uuid primary key,
          to_address text not null,
          kind text not null,
          subject text not null,
          text_body text,
          captured_at timestamptz not null default clock_timestamp()
        )`);
      await client.query(`
        create or replace function e2e_capture_email() returns trigger language plpgsql security definer
        set search_path = public, pg_temp
        as $$
        begin
          insert into e2e_captured_emails (id, to_address, kind, subject, text_body)
            values (new.id, new.to_address, new.kind, new.subject, new.text_body);
          return new;
        end
        $$`);
      await client.query(`
        create or replace trigger e2e_capture_email after insert on email_outbox
          for each row execute function e2e_capture_email()`);
      await client.query("commit");
    } catch (error) {
      await client.query("rollback");
      throw error;
    }
  });
}

export interface CapturedEmail {
  kind: string;
  subject: string;
  text: string;
}

/**
 * The newest message queued for an address (of one kind, if given), waiting up to `timeoutMs` for one.
 * `captureEmails()` must have run before the message was queued.
 */
export async function newestEmailTo(
  address: string,
  { kind, timeoutMs = 10_000 }: { kind?: string; timeoutMs?: number } = {},
): Promise<CapturedEmail> {
  const deadline = Date.now() + timeoutMs;
  return withDatabase(async (client) => {
    for (;;) {
      const { rows } = await client.query<{ kind: string; subject: string; text_body: string | null }>(
        `select kind, subject, text_body from e2e_captured_emails
          where to_address = $1 and ($2::text is null or kind = $2)
          order by captured_at desc limit 1`,
        [address, kind ?? null],
      );
      const row = rows[0];
      if (row) return { kind: row.kind, subject: row.subject, text: row.text_body ?? "" };
      if (Date.now() > deadline) throw new Error(`no ${kind ?? ""} email to ${address} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

/** The link in a message that leads to `path` ("/learn/account/reset-password"), token included. */
export function linkIn(email: CapturedEmail, path: string): URL {
  const match = email.text.match(/https?:\/\/\S+/g)?.find((candidate) => new URL(candidate).pathname === path);
  if (!match) throw new Error(`no link to ${path} in the "${email.subject}" email:\n${email.text}`);
  return new URL(match);
}

// ---------------------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------------------

export interface NewPerson {
  email: string;
  displayName: string;
  institutionSlug: string;
  role: "learner" | "instructor" | "course_admin" | "support_agent" | "client_manager";
}

/**
 * Adds a confirmed person with one membership and the demo password (copied from a demo account's credential:
 * hashing belongs to the platform), for a test that changes a password or ends sessions: no other test signs
 * in as them. Addresses must be unique per run; `uniqueAddress()` makes one.
 */
export async function addPerson(person: NewPerson): Promise<{ email: string; password: string }> {
  await withDatabase(async (client) => {
    await client.query("begin");
    try {
      const { rows } = await client.query<{ id: string }>(
        "insert into users (email, display_name, email_verified_at) values ($1, $2, now()) returning id",
        [person.email, person.displayName],
      );
      const userId = rows[0]?.id;
      await client.query(
        `insert into password_credentials (user_id, hash)
           select $1, hash from password_credentials
            where user_id = (select id from users where email = 'ada.learner@example.org')`,
        [userId],
      );
      await client.query(
        `insert into memberships (institution_id, user_id, role)
           select id, $2, $3 from institutions where slug = $1`,
        [person.institutionSlug, userId, person.role],
      );
      await client.query("commit");
    } catch (error) {
      await client.query("rollback");
      throw error;
    }
  });
  return { email: person.email, password: demoPassword };
}

/** An address no other test (nor an earlier run of this one) uses: `name.<time><random>@example.org`. */
export function uniqueAddress(name: string): string {
  return `${name}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.org`;
}

/** A person's id, for a request that names them (support acting as them). */
export async function userIdOf(email: string): Promise<string> {
  return withDatabase(async (client) => {
    const { rows } = await client.query<{ id: string }>("select id from users where email = $1", [email]);
    if (!rows[0]) throw new Error(`no person with the address ${email}`);
    return rows[0].id;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Single sign-on
// ---------------------------------------------------------------------------------------------------------

/** An identity provider of an institution, as an admin would have set it up: answers its id. */
export async function addIdentityProvider(idp: {
  institutionSlug: string;
  name: string;
  entityId: string;
  certificate: string;
}): Promise<string> {
  return withDatabase(async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `insert into saml_identity_providers (institution_id, name, entity_id, sso_url, certificates)
         select id, $2, $3, 'https://idp.example.org/sso', array[$4] from institutions where slug = $1
       returning id`,
      [idp.institutionSlug, idp.name, idp.entityId, idp.certificate],
    );
    if (!rows[0]) throw new Error(`no institution ${idp.institutionSlug}`);
    return rows[0].id;
  });
}

/**
 * What a sign-in refused with `account_link_required` leaves for an admin: a request to link the identity
 * provider's account (its NameID) to the existing account with this address.
 */
export async function addLinkRequest(request: { identityProviderId: string; nameId: string; email: string }) {
  await withDatabase(async (client) => {
    const { rowCount } = await client.query(
      `insert into saml_link_requests (institution_id, identity_provider_id, name_id, user_id, asserted_email)
         select idp.institution_id, idp.id, $2, users.id, users.email
           from saml_identity_providers idp, users where idp.id = $1 and users.email = $3`,
      [request.identityProviderId, request.nameId, request.email],
    );
    if (rowCount !== 1) throw new Error(`no link request for ${request.email}`);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Enrolments and progress
// ---------------------------------------------------------------------------------------------------------

/** Enrols a person in a course of the institution (an active manual grant), for a test of their own progress. */
export async function enrol(email: string, institutionSlug: string, courseCode: string): Promise<void> {
  await withDatabase(async (client) => {
    const { rowCount } = await client.query(
      `insert into enrolments (institution_id, user_id, course_id, source, status)
         select i.id, u.id, c.id, 'manual_grant', 'active'
           from institutions i
           join courses c on c.institution_id = i.id and c.code = $3
           join users u on u.email = $2
          where i.slug = $1`,
      [institutionSlug, email, courseCode],
    );
    if (rowCount !== 1) throw new Error(`could not enrol ${email} in ${courseCode} at ${institutionSlug}`);
  });
}

/**
 * A published course of one reading lesson with `learners` learners enrolled, none started, enrolled `daysAgo`
 * days ago: enough rows for a report to need more than one page. Returns the course's title.
 */
export async function crowdedCourse(institutionSlug: string, learners: number, daysAgo = 20): Promise<string> {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const title = `Crowded course ${suffix}`;
  await withDatabase(async (client) => {
    await client.query("begin");
    try {
      await client.query(
        `with i as (select id from institutions where slug = $1),
              c as (insert into courses (institution_id, code, title, status)
                      select id, $2, $3, 'published' from i returning id, institution_id),
              m as (insert into modules (institution_id, course_id, position, title)
                      select institution_id, id, 0, 'Only module' from c returning id, course_id, institution_id)
         insert into lessons (institution_id, course_id, module_id, position, title, kind, content_url, content_provider)
           select institution_id, course_id, id, 0, 'Only lesson', 'reading', 'https://content.example.org/read', 'SharePoint'
             from m`,
        [institutionSlug, `crowded-${suffix}`, title],
      );
      await client.query(
        `with i as (select id from institutions where slug = $1),
              u as (insert into users (email, display_name, email_verified_at)
                      select 'crowd-' || n || '.' || $2 || '@example.org', 'Crowd Learner ' || lpad(n::text, 2, '0'), now()
                        from generate_series(1, $3) n returning id),
              ms as (insert into memberships (institution_id, user_id, role) select i.id, u.id, 'learner' from i, u)
         insert into enrolments (institution_id, user_id, course_id, source, status, created_at)
           select i.id, u.id, (select id from courses where code = $4), 'manual_grant', 'active',
                  now() - make_interval(days => $5)
             from i, u`,
        [institutionSlug, suffix, learners, `crowded-${suffix}`, daysAgo],
      );
      await client.query("commit");
    } catch (error) {
      await client.query("rollback");
      throw error;
    }
  });
  return title;
}

/**
 * A progress-recompute job for the course with this title, as a change to a course of more than 500 learners
 * sends one, held back an hour so no worker takes it: the course editor says its learners' figures are still
 * coming. Returns the function that ends it, as the worker's finishing would.
 */
export async function waitingProgressRecompute(courseTitle: string): Promise<() => Promise<void>> {
  const key = `e2e-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await withDatabase((client) =>
    client.query(
      `insert into pgboss.job (name, data, start_after, singleton_key)
         select 'progress-recompute', jsonb_build_object('institutionId', institution_id, 'courseId', id, 'mode', 'refresh'),
                now() + interval '1 hour', $2
           from courses where title = $1`,
      [courseTitle, key],
    ),
  );
  return async () => {
    await withDatabase((client) => client.query("delete from pgboss.job where singleton_key = $1", [key]));
  };
}
