import { type Kysely, sql } from "kysely";

// The payment provider's events name an enrolment, not an institution: the webhook must find the
// enrolment's institution before it can act in it. This policy lets a transaction that has set
// `app.payment_enrolment_id` read that one enrolment row, and nothing else, exactly as `api_key_lookup` does
// for API keys. The event is then applied under the institution's own tenant scope.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create policy payment_enrolment_lookup on enrolments for select
      using (id = nullif(current_setting('app.payment_enrolment_id', true), '')::uuid)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop policy payment_enrolment_lookup on enrolments`.execute(db);
}
