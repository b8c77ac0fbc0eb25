// Vitest global setup: one PostgreSQL per test run, one migrated template database, cloned per test file.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { enableAppRoleLogin } from "../app-role.ts";
import { createDatabase } from "../client.ts";
import { quoteIdentifier, withDatabaseName } from "../database-url.ts";
import { startEmbeddedPostgres } from "../embedded.ts";
import { readDatabaseEnv } from "../env.ts";
import { migrateToLatest } from "../migrator.ts";
import { findFreePort } from "./free-port.ts";

export interface TestDatabaseServer {
  /** Superuser connection string to the server's maintenance database. */
  serverUrl: string;
  /** The migrated database each test file's database is cloned from. */
  template: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    learnopsTestDatabase: TestDatabaseServer;
  }
}

/** The application role's password on test servers (local, throwaway clusters; or TEST_DATABASE_URL's). */
export const testAppRolePassword = "learnops_app_test";

export interface GlobalSetupOptions {
  /** Extra set-up baked into the template once, e.g. the job queue's schema. */
  prepareTemplate?: (templateUrl: string) => Promise<void>;
}

export function createGlobalSetup(options: GlobalSetupOptions = {}) {
  return async function setup(project: TestProject): Promise<() => Promise<void>> {
    const env = readDatabaseEnv();
    const template = `learnops_template_${randomBytes(4).toString("hex")}`;

    let serverUrl: string;
    let stopServer: () => Promise<void>;
    if (env.TEST_DATABASE_URL) {
      serverUrl = env.TEST_DATABASE_URL;
      stopServer = () => dropDatabasesWithPrefix(serverUrl, template);
    } else {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), "learnops-test-pg-"));
      const server = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, "pg"),
        port: await findFreePort(),
        ephemeral: true,
      });
      serverUrl = server.connectionString();
      stopServer = async () => {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      };
    }

    try {
      await runSql(serverUrl, `create database ${quoteIdentifier(template)}`);
      const templateUrl = withDatabaseName(serverUrl, template);
      const db = createDatabase(templateUrl, { maxConnections: 1 });
      try {
        await migrateToLatest(db);
        await enableAppRoleLogin(db, testAppRolePassword);
      } finally {
        await db.destroy();
      }
      await options.prepareTemplate?.(templateUrl);
    } catch (error) {
      await stopServer();
      throw error;
    }

    project.provide("learnopsTestDatabase", { serverUrl, template });
    return stopServer;
  };
}

export default createGlobalSetup();

export async function runSql(connectionString: string, statement: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await client.query(statement, values);
  } finally {
    await client.end();
  }
}

async function dropDatabasesWithPrefix(serverUrl: string, prefix: string): Promise<void> {
  const { rows } = await runSql(serverUrl, "select datname from pg_database where starts_with(datname, $1)", [prefix]);
  for (const { datname } of rows as { datname: string }[]) {
    await runSql(serverUrl, `drop database if exists ${quoteIdentifier(datname)} with (force)`);
  }
}
