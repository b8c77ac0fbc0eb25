// The API as a benchmark runs it: production's createServer with production's services, connected as the
// application role, in a process of its own (forked by stack.ts), listening on 127.0.0.1 on a port the OS
// picks. The only additions are the bench's own routes under /bench/, which exist in this process alone.
import { createHash } from "node:crypto";
import { serve } from "@hono/node-server";
import { AccessCache, listenForAccessChanges } from "@learnops/api/access-cache";
import { createServer } from "@learnops/app-api/server";
import { createDatabase } from "@learnops/db/client";
import { startJobQueue } from "@learnops/jobs/queue";
import pg from "pg";
import pino from "pino";

/** What the child tells its parent once it listens. */
export interface ChildServerReady {
  port: number;
}

const databaseUrl = process.env.BENCH_DATABASE_URL;
const publicUrl = process.env.BENCH_PUBLIC_URL;
if (!databaseUrl || !publicUrl || !process.send) {
  process.stderr.write("server-child.ts is started by the bench harness (stack.ts), not by hand.\n");
  process.exit(1);
}

// Quieter than `warn` would hide real failures; louder would measure the logger.
const log = pino({ level: "warn", base: { service: "api" } });
const statements = process.env.BENCH_COUNT_QUERIES ? countStatements() : null;
if (process.env.BENCH_PREPARE_STATEMENTS) prepareStatements();

const db = createDatabase(databaseUrl, {
  maxConnections: Number.parseInt(process.env.BENCH_POOL_SIZE ?? "10", 10),
  applicationName: "learnops-api",
});
const jobs = await startJobQueue({ connectionString: databaseUrl, role: "sender", log });
// Production's access cache with production's defaults, listening on its own connection as main.ts does.
const accessCache = new AccessCache();
const accessChanges = listenForAccessChanges(accessCache, { connectionString: databaseUrl, log });
const app = createServer({
  services: { db, jobs, publicUrl, accessCache },
  log,
  webAppsDir: null,
  // Plain HTTP on 127.0.0.1, like local development.
  secureCookies: false,
});

/** The floor: a JSON answer through the same Hono app and middleware, with no tRPC and no database. */
app.get("/bench/bare", (c) => c.json({ ok: true }));

/** Requests answered since the last reset of the statement counts (diagnosis mode only). */
let requestsSinceReset = 0;

/** The statements sent since the last reset, per request (diagnosis mode only): `?reset=1` starts afresh. */
app.get("/bench/statements", (c) => {
  if (!statements) return c.json({ error: "started without BENCH_COUNT_QUERIES" }, 404);
  const snapshot = { requests: requestsSinceReset, statements: Object.fromEntries(statements) };
  if (c.req.query("reset")) {
    statements.clear();
    requestsSinceReset = 0;
  }
  return c.json(snapshot);
});

/**
 * Requests still being answered. autocannon closes its connections when a series ends, but requests the API
 * had already read go on: the harness waits for none before the next series (or the shutdown).
 */
let inFlight = 0;
app.get("/bench/in-flight", (c) => c.json({ inFlight: inFlight - 1 }));

const fetchTracked: typeof app.fetch = async (request, ...rest) => {
  inFlight += 1;
  // The harness's own questions (in flight? statements?) are not part of a series.
  if (!request.url.includes("/bench/in-flight") && !request.url.includes("/bench/statements")) requestsSinceReset += 1;
  try {
    return await app.fetch(request, ...rest);
  } finally {
    inFlight -= 1;
  }
};
const server = serve({ fetch: fetchTracked, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.send?.({ port: info.port } satisfies ChildServerReady);
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  });
  // Requests read before the load generator hung up still run: let them finish before the pool closes.
  for (let waited = 0; inFlight > 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  await accessChanges.stop();
  await jobs.stop({ graceful: false, close: true }).catch(() => {});
  await db.destroy().catch(() => {});
  // A normal exit, so --cpu-prof writes its profile.
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
// The harness went away without stopping us (killed outright): do not linger.
process.once("disconnect", () => void shutdown());

/** Wraps pg's Client#query to count each distinct statement text (the pool's and pg-boss's alike). */
function countStatements(): Map<string, number> {
  const counts = new Map<string, number>();
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args;
    const text = typeof first === "string" ? first : ((first as { text?: string } | undefined)?.text ?? "?");
    const key = text.replace(/\s+/g, " ").trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return (original as (...rest: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  return counts;
}

/**
 * A what-if, not production's behaviour: sends every parameterised statement as a named prepared statement,
 * so PostgreSQL plans it once per connection instead of on every execution (what pg does for a query that
 * has a `name`). Shows how much of a series' time is spent planning.
 */
function prepareStatements(): void {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [text, values, ...rest] = args;
    if (typeof text === "string" && Array.isArray(values) && rest.length === 0) {
      const name = `bench_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
      return (original as (...rest: unknown[]) => unknown).call(this, { name, text, values });
    }
    return (original as (...rest: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}
