import { setupTestDatabase, type TestDatabase } from "@learnops/db/testing/database";
import type { PgBoss } from "pg-boss";
import pino from "pino";
import { afterAll } from "vitest";
import { startJobQueue } from "../queue.ts";

export interface TestJobQueue extends TestDatabase {
  jobs: PgBoss;
}

/**
 * This file's own database (cloned, job schema included) and a sending pg-boss on it as the application
 * role, as the API runs it; stopped after the file.
 */
export async function setupTestJobQueue(): Promise<TestJobQueue> {
  const database = await setupTestDatabase();
  const jobs = await startJobQueue({
    connectionString: database.appUrl,
    role: "sender",
    log: pino({ level: "silent" }),
  });
  // Registered after the database's own afterAll, so it runs first (vitest runs afterAll hooks in reverse).
  afterAll(() => jobs.stop({ graceful: false, close: true }));
  return { ...database, jobs };
}
