// Per test file: a fresh database cloned from the migrated template, dropped when the file is done.
import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { appRoleUrl } from "../app-role.ts";
import { createDatabase, type Database } from "../client.ts";
import { quoteIdentifier, withDatabaseName } from "../database-url.ts";
import { runSql, testAppRolePassword } from "./global-setup.ts";

export interface TestDatabase {
  /** This file's own database as its owner: for set-up and for looking behind row-level security. */
  url: string;
  db: Database;
  /** The same database as the application role, subject to row-level security like the API and worker. */
  appUrl: string;
  appDb: Database;
}

/**
 * Call at the top of a test file (top-level await); the database is dropped after the file's tests.
 * `empty: true` gives a database with no migrations applied, for tests of the migrator itself.
 */
export async function setupTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const { serverUrl, template } = inject("learnopsTestDatabase");
  const name = `${template}_${randomBytes(6).toString("hex")}`;
  const source = options.empty ? "template0" : template;
  await runSql(serverUrl, `create database ${quoteIdentifier(name)} template ${quoteIdentifier(source)}`);
  const url = withDatabaseName(serverUrl, name);
  const db = createDatabase(url, { maxConnections: 5, applicationName: "learnops-test" });
  const appUrl = appRoleUrl(url, testAppRolePassword);
  const appDb = createDatabase(appUrl, { maxConnections: 10, applicationName: "learnops-test-app" });

  afterAll(async () => {
    await Promise.all([db.destroy(), appDb.destroy()]);
    await runSql(serverUrl, `drop database if exists ${quoteIdentifier(name)} with (force)`);
  });
  return { url, db, appUrl, appDb };
}
