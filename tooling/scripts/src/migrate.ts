// Brings a database up to date as its owner: the schema (Kysely migrations) and the job queue's schema, with
// the application role's grants. DATABASE_URL names the database (the owner's connection); without it, the
// embedded server under .data/ is used. Exits non-zero on any failure.
import { createDatabase } from "@learnops/db/client";
import { readDatabaseEnv } from "@learnops/db/env";
import { openDatabaseServer } from "@learnops/db/local-server";
import { migrateToLatest } from "@learnops/db/migrator";
import { installJobQueue } from "@learnops/jobs/queue";
import pino from "pino";

const server = await openDatabaseServer(readDatabaseEnv(), { onNotice: (message) => console.log(message) });
const db = createDatabase(server.databaseUrl, { maxConnections: 1, applicationName: "learnops-migrate" });
try {
  const applied = await migrateToLatest(db);
  console.log(
    applied.length
      ? `Applied ${applied.length} migration(s):\n  ${applied.join("\n  ")}`
      : "Database schema is up to date.",
  );
  await installJobQueue(server.databaseUrl, pino({ level: "warn" }));
  console.log("Job queue schema is up to date.");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.destroy();
  await server.stop();
}
