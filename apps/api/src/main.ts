import { serve } from "@hono/node-server";
import { AccessCache, listenForAccessChanges } from "@learnops/api/access-cache";
import { createDatabase } from "@learnops/db/client";
import { startJobQueue } from "@learnops/jobs/queue";
import pino from "pino";
import { readApiEnv } from "./env.ts";
import { createServer } from "./server.ts";

const log = pino({ base: { service: "api" } });

let env: ReturnType<typeof readApiEnv>;
try {
  env = readApiEnv();
} catch (error) {
  log.fatal((error as Error).message);
  process.exit(1);
}
log.level = env.LOG_LEVEL;

const db = createDatabase(env.DATABASE_URL, {
  maxConnections: env.DATABASE_POOL_SIZE,
  applicationName: "learnops-api",
});
const jobs = await startJobQueue({ connectionString: env.DATABASE_URL, role: "sender", log });
const accessCache = env.ACCESS_CACHE
  ? new AccessCache({
      maxSessions: env.ACCESS_CACHE_SESSIONS,
      maxFacts: env.ACCESS_CACHE_FACTS,
      ttlMs: env.ACCESS_CACHE_TTL_SECONDS * 1000,
    })
  : null;
// Until it is listening, the cache keeps nothing: requests read the database as without it.
const accessChanges = accessCache
  ? listenForAccessChanges(accessCache, { connectionString: env.DATABASE_URL, log })
  : null;
const app = createServer({
  services: { db, jobs, publicUrl: env.PUBLIC_URL, accountLockout: env.accountLockout, accessCache },
  log,
  webAppsDir: env.SERVE_WEB_APPS ? env.WEB_APPS_DIR : null,
  secureCookies: env.COOKIE_SECURE,
  trustedOrigins: env.TRUSTED_ORIGINS,
  paymentWebhookSecret: env.PAYMENT_WEBHOOK_SECRET ?? null,
  demoIdentityProvider: env.LEARNOPS_DEMO_IDP,
});

const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
  log.info({ port: info.port, host: env.HOST }, "API listening");
});
server.on("error", (error: NodeJS.ErrnoException) => {
  log.fatal(
    { err: error },
    error.code === "EADDRINUSE" ? `Port ${env.PORT} is in use; set PORT to a free port` : "HTTP server failed",
  );
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "API stopping");
  const deadline = setTimeout(() => {
    log.error("shutdown timed out; exiting");
    process.exit(1);
  }, env.SHUTDOWN_TIMEOUT_SECONDS * 1000);
  deadline.unref();

  // Stop accepting connections, finish requests in flight, then release the queue and the pool.
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  });
  await accessChanges?.stop();
  await jobs
    .stop({ graceful: true, close: true, timeout: 5_000 })
    .catch((error) => log.warn({ err: error }, "job queue stop"));
  await db.destroy().catch((error) => log.warn({ err: error }, "database pool close"));
  log.info("API stopped");
  clearTimeout(deadline);
}

process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
// Started by the main job with an IPC channel: if the main job goes away, so do we.
if (process.channel) {
  process.once("disconnect", () => void shutdown("parent exited"));
  // Listening for the channel's end must not keep the process alive once shutdown has closed everything.
  process.channel.unref();
}
