import { sql } from "kysely";
import type { Database } from "./client.ts";

/**
 * The role the API and the worker connect as. It owns no table, is not a superuser and cannot bypass
 * row-level security; migrations (run as the owner) create it and grant it what it may do.
 */
export const appRole = "learnops_app";

/** Lets the application role sign in with this password (embedded and test servers only). */
export async function enableAppRoleLogin(ownerDb: Database, password: string): Promise<void> {
  await sql`alter role ${sql.id(appRole)} login password ${sql.lit(password)}`.execute(ownerDb);
}

/** The owner's connection string with the application role's credentials instead. */
export function appRoleUrl(ownerUrl: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = appRole;
  url.password = password;
  return url.toString();
}
