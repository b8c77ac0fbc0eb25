// Per test file: a fresh database cloned from the migrated template, dropped when the file is done.
import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { createDatabase, type Database } from "../client.ts";
import { quoteIdentifier, withDatabaseName } from "../database-url.ts";
import { runSql } from "./global-setup.ts";

export interface TestDatabase {
  /** Connection string of this file's own database (for processes the test starts). */
  url: string;
  db: Database;
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

  afterAll(async () => {
    await db.destroy();
    await runSql(serverUrl, `drop database if exists ${quoteIdentifier(name)} with (force)`);
  });
  return { url, db };
}
