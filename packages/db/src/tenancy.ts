import { type RawBuilder, sql, type Transaction } from "kysely";
import type { Database } from "./client.ts";
import type { DB } from "./schema.ts";

export interface TenantScope {
  /** The institution whose rows the transaction may see and write. */
  institutionId: string;
  /** The person the transaction acts for (their own memberships are visible in every institution). */
  userId?: string | null;
}

type ScopeSettings = Partial<
  Record<
    "app.institution_id" | "app.user_id" | "app.platform_scope" | "app.api_key_public_id" | "app.payment_enrolment_id",
    string
  >
>;

/**
 * Runs `work` with these settings in force, with set_config(..., true), the function form of SET LOCAL: they
 * end with the transaction, so a pooled connection never carries one request's tenant into the next. Given
 * a transaction already (a procedure's tenant transaction), the settings apply to `work` only and the
 * previous ones are restored after it. `also` are expressions evaluated in the same statement as the
 * settings, before `work` (a lock the work needs first), saving a round trip of their own.
 */
async function withSettings<T>(
  db: Database,
  settings: ScopeSettings,
  work: (trx: Transaction<DB>) => Promise<T>,
  also: readonly RawBuilder<unknown>[] = [],
): Promise<T> {
  // All settings in one statement: this runs at the start of every tenant transaction.
  const apply = async (trx: Database, values: ScopeSettings, extra: readonly RawBuilder<unknown>[] = []) => {
    const entries = Object.entries(values);
    if (!entries.length && !extra.length) return;
    const calls = entries.map(([name, value]) => sql`set_config(${name}, ${value ?? ""}, true)`);
    await sql`select ${sql.join([...calls, ...extra])}`.execute(trx);
  };
  if (!db.isTransaction) {
    return db.transaction().execute(async (trx) => {
      await apply(trx, settings, also);
      return work(trx);
    });
  }
  const trx = db as Transaction<DB>;
  const previous: ScopeSettings = {};
  for (const name of Object.keys(settings) as (keyof ScopeSettings)[]) {
    const { rows } = await sql<{ value: string | null }>`select current_setting(${name}, true) as value`.execute(trx);
    previous[name] = rows[0]?.value ?? "";
  }
  await apply(trx, settings, also);
  try {
    return await work(trx);
  } finally {
    // After a failed statement the transaction is aborted and rolls back anyway: nothing to restore then.
    await apply(trx, previous).catch(() => {});
  }
}

/**
 * Runs `work` scoped to one institution. Row-level security does the rest, even for a query with no tenant
 * filter. `options.also`: expressions to evaluate in the statement that sets the scope (such as a lock `work`
 * must hold before its first read), one round trip for both.
 */
export function withTenant<T>(
  db: Database,
  scope: TenantScope,
  work: (trx: Transaction<DB>) => Promise<T>,
  options: { also?: readonly RawBuilder<unknown>[] } = {},
): Promise<T> {
  return withSettings(
    db,
    { "app.institution_id": scope.institutionId, "app.user_id": scope.userId ?? "" },
    work,
    options.also,
  );
}

/** Acting for a person without an institution (sign-in, the membership switcher): their own rows only. */
export function withUser<T>(db: Database, userId: string, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return withSettings(db, { "app.user_id": userId }, work);
}

/** May read and append the platform's own audit chain (events of no institution). */
export function withPlatformScope<T>(db: Database, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return withSettings(db, { "app.platform_scope": "on" }, work);
}

/** May read the one API key with this public id, before its institution is known (machine-client sign-in). */
export function withApiKeyLookup<T>(
  db: Database,
  publicId: string,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return withSettings(db, { "app.api_key_public_id": publicId }, work);
}

/** May read the one enrolment a payment provider's event names, to learn its institution (the payment webhook). */
export function withPaymentEnrolmentLookup<T>(
  db: Database,
  enrolmentId: string,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return withSettings(db, { "app.payment_enrolment_id": enrolmentId }, work);
}
