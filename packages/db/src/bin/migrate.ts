// Applies pending migrations to DATABASE_URL (or the embedded server) and exits non-zero on any failure.
import { createDatabase } from "../client.ts";
import { readDatabaseEnv } from "../env.ts";
import { openDatabaseServer } from "../local-server.ts";
import { migrateToLatest } from "../migrator.ts";

const server = await openDatabaseServer(readDatabaseEnv());
const db = createDatabase(server.databaseUrl, { maxConnections: 1, applicationName: "learnops-migrate" });
try {
  const applied = await migrateToLatest(db);
  console.log(
    applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join("\n  ")}` : "Database is up to date.",
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.destroy();
  await server.stop();
}
