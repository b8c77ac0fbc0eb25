import { sql, type Transaction } from "kysely";
import type { Database } from "./client.ts";
import type { DB } from "./schema.ts";

export interface TenantScope {
  /** The institution whose rows the transaction may see and write. */
  institutionId: string;
  /** The person the transaction acts for (their own memberships are visible in every institution). */
  userId?: string | null;
}

/**
 * Runs `work` in a transaction scoped to one institution. The scope is set with set_config(..., true), the
 * function form of SET LOCAL: it ends with the transaction, so a pooled connection never carries one
 * request's tenant into the next. Row-level security does the rest, even for a query with no tenant filter.
 */
export function withTenant<T>(
  db: Database,
  scope: TenantScope,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('app.institution_id', ${scope.institutionId}, true),
                     set_config('app.user_id', ${scope.userId ?? ""}, true)`.execute(trx);
    return work(trx);
  });
}

/** A transaction acting for a person without an institution yet (sign-in, the membership switcher). */
export function withUser<T>(db: Database, userId: string, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('app.user_id', ${userId}, true)`.execute(trx);
    return work(trx);
  });
}

/** A transaction that may read and append the platform's own audit chain (events of no institution). */
export function withPlatformScope<T>(db: Database, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('app.platform_scope', 'on', true)`.execute(trx);
    return work(trx);
  });
}
