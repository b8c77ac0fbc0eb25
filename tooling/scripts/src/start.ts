// The main job: the whole platform on one machine. Starts PostgreSQL (embedded unless DATABASE_URL is set),
// migrates, loads demo data, runs the API and the worker as separate processes, waits until the API is
// ready, and prints where everything is. Ctrl-C or SIGTERM stops the processes in order: API and worker
// first, PostgreSQL last.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { apiNodeFlags } from "@learnops/app-api/node-flags";
import { hashPassword } from "@learnops/auth/passwords";
import {
  demoIdentityProviderEndpoints,
  demoIdentityProviderKeys,
  demoIdentityProviderName,
} from "@learnops/auth/saml/demo-identity-provider";
import { appRole, appRoleUrl, enableAppRoleLogin } from "@learnops/db/app-role";
import { createDatabase } from "@learnops/db/client";
import { redactDatabaseUrl } from "@learnops/db/database-url";
import { demoInstitutions, demoPeople, loadDemoData, loadDemoIdentityProvider } from "@learnops/db/demo-data";
import { defaultDataRoot } from "@learnops/db/embedded";
import { readDatabaseEnv } from "@learnops/db/env";
import { openDatabaseServer } from "@learnops/db/local-server";
import { migrateToLatest } from "@learnops/db/migrator";
import { installJobQueue } from "@learnops/jobs/queue";
import pino from "pino";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
/** The application role's password on the embedded server, which listens on 127.0.0.1 only. */
const embeddedAppRolePassword = "learnops_app";
/** Every demo person's password; printed with the sign-ins, so it protects nothing and is not meant to. */
const demoPassword = "learnops-demo-2026";
const { values: flags } = parseArgs({ options: { watch: { type: "boolean", default: false } } });

const port = Number.parseInt(process.env.PORT ?? "3000", 10);
/** Where people reach the platform: what the API derives from PUBLIC_URL, or the local port. */
const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
const demoData = process.env.LEARNOPS_DEMO_DATA !== "false";
const dataRoot = process.env.LEARNOPS_DATA_DIR ? path.resolve(process.env.LEARNOPS_DATA_DIR) : defaultDataRoot;
const logDir = path.join(dataRoot, "logs");
mkdirSync(logDir, { recursive: true });

const say = (message: string) => process.stdout.write(`${message}\n`);
const started = performance.now();

const postgresLog = createWriteStream(path.join(logDir, "postgres.log"), { flags: "a" });
const server = await openDatabaseServer(readDatabaseEnv(), {
  onLog: (line) => postgresLog.write(line),
  onNotice: say,
}).catch((error: Error) => {
  process.stderr.write(`\n${error.message}\n`);
  process.exit(1);
});
say(`Database: ${redactDatabaseUrl(server.databaseUrl)}${server.embeddedPid ? " (embedded PostgreSQL)" : ""}`);

const children = new Map<string, ChildProcess>();
let stopping: Promise<never> | null = null;

/** Stops everything once, however many signals arrive meanwhile, then exits. */
function stopAll(exitCode: number): Promise<never> {
  stopping ??= (async () => {
    say("\nStopping LearnOps…");
    await Promise.all([...children.entries()].map(([name, child]) => stopChild(name, child)));
    await server.stop().catch((error: Error) => process.stderr.write(`PostgreSQL stop: ${error.message}\n`));
    postgresLog.end();
    // Let the last line reach a piped stdout before the process ends.
    await new Promise((resolve) => process.stdout.write("Stopped.\n", resolve));
    process.exit(exitCode);
  })();
  return stopping;
}

function stopChild(name: string, child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      process.stderr.write(`${name} did not stop in 30 s; killing it\n`);
      child.kill("SIGKILL");
    }, 30_000);
    child.once("close", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));
// Orphaned (the bootstrap that started us was killed outright): stop everything rather than run on unseen.
const launcherPid = process.ppid;
setInterval(() => {
  if (process.ppid !== launcherPid) void stopAll(1);
}, 1000).unref();

/** The connection the API and the worker use: the application role, never the owner (see prepareDatabase). */
let appDatabaseUrl = server.databaseUrl;
try {
  appDatabaseUrl = await prepareDatabase();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  await stopAll(1);
}

/**
 * Migrates as the owner, installs the job queue, loads demo data, and returns the connection string of the
 * application role: on the embedded server this script lets that role sign in; on your own server it is
 * APP_DATABASE_URL, without which the processes connect as the owner (row-level security then depends on
 * that role not being a superuser, and a warning says so).
 */
async function prepareDatabase(): Promise<string> {
  const db = createDatabase(server.databaseUrl, { maxConnections: 1, applicationName: "learnops-start" });
  try {
    const applied = await migrateToLatest(db);
    say(applied.length ? `Applied ${applied.length} migration(s).` : "Database schema is up to date.");
    await installJobQueue(server.databaseUrl, pino({ level: "warn" }));
    if (demoData) {
      const { institutionsAdded, peopleAdded } = await loadDemoData(db, {
        passwordHash: await hashPassword(demoPassword),
      });
      await loadDemoIdentityProvider(db, {
        name: demoIdentityProviderName,
        ...demoIdentityProviderEndpoints(publicUrl),
        certificate: demoIdentityProviderKeys().certificate,
      });
      say(
        institutionsAdded || peopleAdded
          ? `Loaded demo data (${institutionsAdded} institutions, ${peopleAdded} people).`
          : "Demo data already loaded.",
      );
    }
    if (server.embeddedPid) {
      await enableAppRoleLogin(db, embeddedAppRolePassword);
      return appRoleUrl(server.databaseUrl, embeddedAppRolePassword);
    }
    if (process.env.APP_DATABASE_URL) return process.env.APP_DATABASE_URL;
    process.stderr.write(
      "Warning: APP_DATABASE_URL is not set, so the API and the worker connect with DATABASE_URL. Give them " +
        `the ${appRole} role instead (docs/security.md): an owner or superuser is not held by row-level security.\n`,
    );
    return server.databaseUrl;
  } finally {
    await db.destroy();
  }
}

/**
 * Runs one of the platform's processes; its log goes to a file, and what `show` makes of a line (null: nothing)
 * also to the terminal.
 */
function run(
  name: string,
  file: string,
  args: string[],
  options: { env?: Record<string, string>; show: (line: string) => string | null },
): ChildProcess {
  const child = spawn(file, args, {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: appDatabaseUrl, ...options.env },
    // The IPC channel tells the child when this process is gone, however it ended (see their main.ts).
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const logFile = createWriteStream(path.join(logDir, `${name}.log`), { flags: "a" });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      logFile.write(`${line}\n`);
      const shown = options.show(line);
      if (shown !== null) process.stderr.write(`[${name}] ${shown}\n`);
    });
  }
  // "close", not "exit": the process may exit before its last output has been read.
  child.once("close", (code, signal) => {
    logFile.end();
    children.delete(name);
    if (!stopping) {
      process.stderr.write(
        `${name} exited unexpectedly (${signal ?? `code ${code}`}); see ${path.join(logDir, `${name}.log`)}\n`,
      );
      void stopAll(1);
    }
  });
  children.set(name, child);
  return child;
}

/** Pino levels: 40 warn, 50 error, 60 fatal. Anything that is not JSON (a crash trace) is shown too. */
function warningsOrWorse(line: string): string | null {
  try {
    const { level } = JSON.parse(line) as { level?: number };
    return typeof level === "number" && level >= 40 ? line : null;
  } catch {
    return line.trim().length > 0 ? line : null;
  }
}

/**
 * The worker's warnings, and the messages it would have emailed written out readably: without
 * RESEND_API_KEY nothing is sent, and a reset or confirmation link is only usable from here.
 */
function workerOutput(line: string): string | null {
  try {
    const { email } = JSON.parse(line) as { email?: { to?: string; subject?: string; text?: string } };
    if (email?.to && email.text) {
      const body = email.text.replace(/^/gm, "    ");
      return `email to ${email.to} (not sent: no RESEND_API_KEY): ${email.subject ?? ""}\n${body}`;
    }
  } catch {
    // Not JSON: shown below.
  }
  return warningsOrWorse(line);
}

const watch = flags.watch ? ["--watch"] : [];
// A fixed, public secret so the local payment webhook can be tried (docs/api.md); never one for production.
const localPaymentWebhookSecret = "whsec_local_demo_not_secret";
const paymentWebhookSecret = process.env.PAYMENT_WEBHOOK_SECRET || localPaymentWebhookSecret;
const api = run("api", process.execPath, [...apiNodeFlags, ...watch, "apps/api/src/main.ts"], {
  // Local and plain HTTP: a Secure cookie would not be sent back over http://localhost by every browser.
  env: {
    PORT: String(port),
    COOKIE_SECURE: process.env.COOKIE_SECURE ?? "false",
    PAYMENT_WEBHOOK_SECRET: paymentWebhookSecret,
    // The demo identity provider comes with the demo data, and only with it.
    LEARNOPS_DEMO_IDP: demoData ? "true" : "false",
  },
  show: warningsOrWorse,
});
const worker = run("worker", process.execPath, [...watch, "apps/worker/src/main.ts"], {
  // For links in the messages the worker writes itself.
  env: { PUBLIC_URL: publicUrl },
  show: workerOutput,
});
if (flags.watch) {
  // The API serves the apps' builds; rebuilding them on change keeps one origin while developing.
  for (const app of ["learner", "instructor", "admin"]) {
    run(`build-${app}`, "pnpm", ["--dir", `apps/${app}`, "exec", "vite", "build", "--watch"], {
      show: (line) => (/error/i.test(line) ? line : null),
    });
  }
}

const base = `http://localhost:${port}`;
const deadline = Date.now() + 60_000;
for (;;) {
  const ready = await fetch(`${base}/ready`).then(
    (response) => response.ok,
    () => false,
  );
  if (ready) break;
  if (stopping) await stopping;
  if (Date.now() > deadline) {
    process.stderr.write(`The API did not become ready within 60 s; see ${path.join(logDir, "api.log")}\n`);
    await stopAll(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

say(`
LearnOps is running (ready in ${((performance.now() - started) / 1000).toFixed(1)} s).

  Learner portal      ${base}/learn/
  Instructor review   ${base}/teach/
  Admin console       ${base}/admin/
  Health / readiness  ${base}/health  ${base}/ready

Processes:          api ${api.pid}, worker ${worker.pid}${server.embeddedPid ? `, PostgreSQL ${server.embeddedPid}` : ""}
Demo institutions:  ${demoInstitutions.map((institution) => `${institution.display_name} (${institution.slug})`).join(", ")}
Demo sign-ins (password ${demoPassword}):
${demoPeople.map((person) => `  ${person.email.padEnd(30)} ${person.purpose}`).join("\n")}
Demo single sign-on: ${demoData ? `${base}/learn/lakeside-college, "Sign in with ${demoIdentityProviderName}" (demo identity provider, no password)` : "off (no demo data)"}
Emails:             ${process.env.RESEND_API_KEY ? "sent through Resend" : "not sent (no RESEND_API_KEY): each is printed here instead"}
Payment webhook:    ${base}/webhooks/payments, ${paymentWebhookSecret === localPaymentWebhookSecret ? `signed with the local demo secret ${localPaymentWebhookSecret}` : "signed with PAYMENT_WEBHOOK_SECRET"}
Logs:               ${logDir}
Press Ctrl-C to stop.`);
