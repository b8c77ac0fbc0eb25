// `npm run bench -- <name> [options]`: runs one benchmark against the real stack, started here and stopped
// however the run ends, and writes tooling/bench/results/<name>.json. See tooling/bench/README.md.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { BenchContext, Benchmark, BenchOutcome } from "./benchmark.ts";
import { benchmarks } from "./benchmarks.ts";
import { sampleCpu } from "./cpu.ts";
import {
  defaultLoadSettings,
  type LoadFigures,
  type LoadSettings,
  type MeasuredWindow,
  measureAtRate,
  measureSeries,
  type RateMetrics,
  type SeriesMetrics,
} from "./load.ts";
import { summariseProfile } from "./profile-summary.ts";
import { describeMachine, formatResults, resultsDir, writeResults } from "./results.ts";
import { type Stack, startStack, stopStackBeingStarted } from "./stack.ts";

const usage = `Usage: npm run bench -- <name> [--series a,b] [--duration 10] [--warmup 3] [--connections 64] [--rounds 1] [--no-rate] [--profile] [--statements] [--prepared-statements]

  --series       measure only these series (comma-separated)
  --duration     measured seconds per series (default ${defaultLoadSettings.durationSeconds})
  --warmup       warm-up seconds per series, not measured (default ${defaultLoadSettings.warmupSeconds})
  --connections  concurrent connections (default ${defaultLoadSettings.connections})
  --rounds       measure every series this many times, interleaved; figures are the median round's (default 1)
  --no-rate      do not also measure series at their target rate (open loop), so targets stated at it go unjudged
  --profile      write a CPU profile of the API process to tooling/bench/results/profiles/
  --statements   count the SQL statements the API sends per request of each series (figures then include that cost)
  --prepared-statements
                 what-if: the API sends parameterised statements as named prepared statements (planned once
                 per connection); not what production does, so such results say so in their settings

Benchmarks:
${benchmarks.map((b) => `  ${b.name.padEnd(12)} ${b.description} (${b.issue})`).join("\n")}`;

function fail(message: string): never {
  process.stderr.write(`✗ ${message}\n`);
  process.exit(1);
}

let parsed: ReturnType<typeof parseCommandLine>;
try {
  parsed = parseCommandLine();
} catch (error) {
  fail(`${(error as Error).message}\n\n${usage}`);
}
const { benchmark, settings, rounds, selectedSeries, atRate, profile, countStatements, prepareStatements } = parsed;
const profilesDir = path.join(resultsDir, "profiles");
const selected = (series: string) => selectedSeries === null || selectedSeries.has(series);

try {
  await benchmark.preflight?.(selected);
} catch (error) {
  fail((error as Error).message);
}

let stack: Stack | null = null;
let interrupted = false;
const onSignal = () => {
  interrupted = true;
  process.stderr.write("\nInterrupted; stopping the API and PostgreSQL…\n");
  void (stack?.stop() ?? stopStackBeingStarted()).finally(() => process.exit(130));
};
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);

let exitCode = 0;
try {
  process.stdout.write(`› Starting PostgreSQL, migrating, starting the API (${benchmark.name})\n`);
  stack = await startStack({
    ...(profile ? { execArgv: ["--cpu-prof", `--cpu-prof-dir=${profilesDir}`] } : {}),
    countQueries: countStatements,
    prepareStatements,
  });
  const running = stack;
  const statementsPerRequest: Record<string, Record<string, number>> = {};
  const context: BenchContext = { stack: running, settings, selected };
  const specs = await benchmark.prepare(context);
  const byRound = new Map<string, SeriesMetrics[]>();
  const measuredWindows: MeasuredWindow[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const spec of specs) {
      process.stdout.write(
        `› ${spec.name}${rounds > 1 ? ` (round ${round} of ${rounds})` : ""}: ${settings.warmupSeconds} s warm-up + ` +
          `${settings.durationSeconds} s, ${spec.connections ?? settings.connections} connections\n`,
      );
      if (countStatements) await fetch(`${running.baseUrl}/bench/statements?reset=1`);
      await running.checkpoint();
      const metrics = await measureSeries(
        running.baseUrl,
        spec,
        settings,
        () => sampleCpu(running.pids),
        (window) => measuredWindows.push(window),
      );
      await waitUntilIdle(running.baseUrl);
      if (countStatements) statementsPerRequest[spec.name] = await statementsOf(running.baseUrl);
      // The same requests again, offered at the rate the issue's latency target is stated at (see load.ts).
      if (atRate && spec.targetRate !== undefined && !spec.direct) {
        process.stdout.write(
          `  ${spec.name} at ${spec.targetRate.toLocaleString("en-GB")} requests/s offered: ` +
            `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s\n`,
        );
        await running.checkpoint();
        metrics.at_target_rate = await measureAtRate(
          running.baseUrl,
          spec,
          spec.targetRate,
          settings,
          () => sampleCpu(running.pids),
          (window) => measuredWindows.push(window),
        );
        await waitUntilIdle(running.baseUrl);
      }
      byRound.set(spec.name, [...(byRound.get(spec.name) ?? []), metrics]);
    }
  }
  const metrics = Object.fromEntries([...byRound].map(([name, measured]) => [name, combineRounds(measured)]));
  const outcome: BenchOutcome = { metrics, ...benchmark.evaluate?.(metrics) };
  const results = {
    name: benchmark.name,
    date: new Date().toISOString(),
    machine: describeMachine(running.postgresVersion),
    ...outcome,
    settings: {
      ...settings,
      rounds,
      atTargetRate: atRate,
      ...(prepareStatements ? { whatIf: "prepared statements (not production)" } : {}),
    },
    ...(countStatements ? { statementsPerRequest } : {}),
  };
  const file = await writeResults(results);
  process.stdout.write(`\n${formatResults(results)}\n\nWrote ${path.relative(process.cwd(), file)}\n`);
  if (countStatements) {
    for (const [series, statements] of Object.entries(statementsPerRequest)) {
      process.stdout.write(
        `\nSQL statements per request, ${series}:${Object.keys(statements).length ? "" : " none"}\n`,
      );
      for (const [text, perRequest] of Object.entries(statements))
        process.stdout.write(`  ${perRequest.toFixed(2)}  ${text.slice(0, 160)}\n`);
    }
  }
  if (profile) {
    // The API writes its profile as it exits: stop it first, then read the newest profile.
    await running.stop();
    const profiles = await readdir(profilesDir).catch(() => []);
    const newest = profiles
      .filter((file) => file.endsWith(".cpuprofile"))
      .toSorted()
      .at(-1);
    if (newest) {
      const file = path.join(profilesDir, newest);
      process.stdout.write(`\n${await summariseProfile(file, measuredWindows)}\n`);
    }
  }
  if (outcome.targets?.some((t) => !t.passed)) {
    process.stderr.write("✗ Some of the issue's targets were missed (see FAIL above).\n");
    exitCode = 2;
  }
} catch (error) {
  if (!interrupted) {
    process.stderr.write(`✗ ${benchmark.name}: ${(error as Error).stack ?? error}\n`);
    exitCode = 1;
  }
} finally {
  if (!interrupted) {
    await stack?.stop();
    process.exit(exitCode);
  }
}

function parseCommandLine(): {
  benchmark: Benchmark;
  settings: LoadSettings;
  rounds: number;
  selectedSeries: Set<string> | null;
  /** Whether series with a target rate are also measured at it. */
  atRate: boolean;
  profile: boolean;
  countStatements: boolean;
  prepareStatements: boolean;
} {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      series: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      rounds: { type: "string" },
      "no-rate": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      statements: { type: "boolean", default: false },
      "prepared-statements": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const [name, ...extra] = positionals;
  if (!name) throw new Error("Name a benchmark to run.");
  if (extra.length) throw new Error(`One benchmark at a time (got ${positionals.join(", ")}).`);
  const benchmark = benchmarks.find((candidate) => candidate.name === name);
  if (!benchmark) throw new Error(`Unknown benchmark "${name}".`);

  const number = (value: string | undefined, fallback: number, option: string, min: number) => {
    if (value === undefined) return fallback;
    const parsedNumber = Number(value);
    if (!Number.isFinite(parsedNumber) || parsedNumber < min) throw new Error(`--${option} must be a number >= ${min}`);
    return parsedNumber;
  };
  const settings: LoadSettings = {
    durationSeconds: number(values.duration, defaultLoadSettings.durationSeconds, "duration", 1),
    warmupSeconds: number(values.warmup, defaultLoadSettings.warmupSeconds, "warmup", 0),
    connections: Math.round(number(values.connections, defaultLoadSettings.connections, "connections", 1)),
  };

  let selectedSeries: Set<string> | null = null;
  if (values.series) {
    selectedSeries = new Set(values.series.split(",").map((series) => series.trim()));
    const known = benchmark.series.map((series) => series.name);
    const unknown = [...selectedSeries].filter((series) => !known.includes(series));
    if (unknown.length)
      throw new Error(`${benchmark.name} has no series ${unknown.join(", ")}; it has ${known.join(", ")}.`);
  }
  return {
    benchmark,
    settings,
    rounds: Math.round(number(values.rounds, 1, "rounds", 1)),
    selectedSeries,
    atRate: !values["no-rate"],
    profile: values.profile,
    countStatements: values.statements,
    prepareStatements: values["prepared-statements"],
  };
}

/** Waits until the API has answered every request of the last series (autocannon does not wait for them). */
async function waitUntilIdle(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { inFlight } = (await (await fetch(`${baseUrl}/bench/in-flight`)).json()) as { inFlight: number };
    if (inFlight <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("The API still had requests in flight 30 s after the series ended");
}

/** The statements the API sent since the last reset, per request, most frequent first. */
async function statementsOf(baseUrl: string): Promise<Record<string, number>> {
  const counted = (await (await fetch(`${baseUrl}/bench/statements?reset=1`)).json()) as {
    requests: number;
    statements: Record<string, number>;
  };
  // Warm-up and measured requests alike: they are the same requests.
  const requests = Math.max(1, counted.requests);
  const total = Object.values(counted.statements).reduce((sum, count) => sum + count, 0);
  return Object.fromEntries(
    [["(all statements)", total] as const, ...Object.entries(counted.statements)]
      .map(([text, count]) => [text, Number((count / requests).toFixed(2))] as const)
      .filter(([, perRequest]) => perRequest >= 0.01)
      .toSorted((a, b) => b[1] - a[1]),
  );
}

/**
 * One series' figures over its rounds: the median of each figure (each round's own warm-up and load), the
 * sums of requests and failures, and every round's rps and p99 so the spread shows; the same for the figures
 * at the target rate.
 */
function combineRounds(rounds: SeriesMetrics[]): SeriesMetrics & RoundSpread {
  const [first] = rounds;
  if (!first) throw new Error("a series with no rounds");
  if (rounds.length === 1) return first;
  const atRate = rounds.flatMap((m) => (m.at_target_rate ? [m.at_target_rate] : []));
  return {
    ...combineFigures(rounds),
    ...(atRate.length === rounds.length ? { at_target_rate: combineRateRounds(atRate) } : {}),
  };
}

function combineRateRounds(rounds: RateMetrics[]): RateMetrics & RoundSpread {
  const [first] = rounds;
  if (!first) throw new Error("a series with no rounds at its target rate");
  return { offered_rps: first.offered_rps, ...combineFigures(rounds) };
}

/** Every round's own figure, beside the medians, for the figures that vary most between rounds. */
interface RoundSpread {
  rps_by_round?: number[];
  p99_ms_by_round?: number[];
}

/** Rounds' figures as one: medians of rates, latencies and CPU, the worst maximum, sums of counts and time. */
function combineFigures(rounds: LoadFigures[]): LoadFigures & RoundSpread {
  const [first] = rounds;
  if (!first) throw new Error("a series with no rounds");
  const median = medianOf(rounds);
  const sum = sumOf(rounds);
  return {
    rps: Math.round(median((m) => m.rps)),
    ...(rounds.every((m) => m.events_per_s !== undefined)
      ? { events_per_s: Math.round(median((m) => m.events_per_s ?? 0)) }
      : {}),
    p50_ms: median((m) => m.p50_ms),
    p90_ms: median((m) => m.p90_ms),
    p99_ms: median((m) => m.p99_ms),
    max_ms: Math.max(...rounds.map((m) => m.max_ms)),
    requests: sum((m) => m.requests),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
    non2xx: sum((m) => m.non2xx),
    connections: first.connections,
    duration_s: Number(sum((m) => m.duration_s).toFixed(2)),
    rps_by_round: rounds.map((m) => m.rps),
    p99_ms_by_round: rounds.map((m) => m.p99_ms),
    ...(rounds.every((m) => m.cpu_ms_per_request)
      ? {
          cpu_ms_per_request: {
            api: median((m) => m.cpu_ms_per_request?.api ?? 0),
            postgres: median((m) => m.cpu_ms_per_request?.postgres ?? 0),
            load_generator: median((m) => m.cpu_ms_per_request?.load_generator ?? 0),
          },
        }
      : {}),
  };
}

/** The median over rounds of one figure. */
function medianOf<M>(rounds: readonly M[]): (pick: (m: M) => number) => number {
  return (pick) => {
    const sorted = rounds.map(pick).toSorted((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  };
}

function sumOf<M>(rounds: readonly M[]): (pick: (m: M) => number) => number {
  return (pick) => rounds.reduce((total, m) => total + pick(m), 0);
}
