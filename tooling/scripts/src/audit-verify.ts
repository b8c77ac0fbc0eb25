// Verifies every audit chain (each institution's and the platform's own) and exits non-zero if any event
// was edited, deleted or reordered. Runs as the database owner: DATABASE_URL, or the embedded server.
import { createDatabase } from "@learnops/db/client";
import { readDatabaseEnv } from "@learnops/db/env";
import { openDatabaseServer } from "@learnops/db/local-server";
import { findAuditChainBreaks } from "@learnops/db/queries/audit";
import { withPlatformScope, withTenant } from "@learnops/db/tenancy";

const server = await openDatabaseServer(readDatabaseEnv());
const db = createDatabase(server.databaseUrl, { maxConnections: 1, applicationName: "learnops-audit-verify" });
try {
  const institutions = await db.selectFrom("institutions").select(["id", "slug"]).orderBy("slug").execute();
  const chains = [
    { name: "platform", check: () => withPlatformScope(db, (trx) => findAuditChainBreaks(trx, null)) },
    ...institutions.map((institution) => ({
      name: institution.slug,
      check: () =>
        withTenant(db, { institutionId: institution.id }, (trx) => findAuditChainBreaks(trx, institution.id)),
    })),
  ];
  let broken = 0;
  for (const chain of chains) {
    const breaks = await chain.check();
    if (breaks.length === 0) {
      console.log(`${chain.name}: intact`);
      continue;
    }
    broken += 1;
    for (const { sequence, problem } of breaks) console.log(`${chain.name}: event ${sequence}: ${problem}`);
  }
  console.log(
    broken ? `${broken} of ${chains.length} audit chains are broken.` : `All ${chains.length} audit chains are intact.`,
  );
  if (broken) process.exitCode = 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
} finally {
  await db.destroy();
  await server.stop();
}
