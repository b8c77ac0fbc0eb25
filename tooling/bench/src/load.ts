// The load generator, in the harness's process (never the server's), against 127.0.0.1 only: autocannon for
// the closed loop (every connection busy all the time), HttpConnection for requests offered at a fixed rate.
import type { IncomingHttpHeaders } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import type { CpuSample } from "./cpu.ts";
import { type ConnectionRequest, HttpConnection, RequestTimeout } from "./http-connection.ts";

export interface LoadSettings {
  /** Seconds of load whose results are thrown away: JIT, pools and caches warm up. */
  warmupSeconds: number;
  /** Seconds of load that are measured. */
  durationSeconds: number;
  connections: number;
}

export const defaultLoadSettings: LoadSettings = { warmupSeconds: 3, durationSeconds: 10, connections: 64 };

/** What one connection sends throughout a series. */
export interface SeriesRequest {
  path?: string;
  headers?: IncomingHttpHeaders;
  /**
   * Makes the requests POSTs, each with a body of its own made just before it is sent (so that, say, every
   * recorded event carries a new idempotency key).
   */
  body?: () => string;
}

/** Load that is not HTTP (a reference measured straight against PostgreSQL): the harness times its calls. */
export interface DirectLoad {
  /** One unit of work, as one of `connections` concurrent callers; resolves when it is done. */
  call(caller: number): Promise<void>;
}

export interface SeriesSpec {
  /** The key under `metrics` in the results file. */
  name: string;
  /** One line for the table and the docs: what this series measures. */
  description: string;
  /** Path and query on the API, e.g. `/bench/bare`. */
  path: string;
  /** Headers for every request. */
  headers?: IncomingHttpHeaders;
  /**
   * What connection i sends instead, throughout the series (its own session cookie, its own lesson): called
   * once per connection as autocannon sets it up.
   */
  perConnection?: (connection: number) => SeriesRequest;
  /** Overrides the run's connection count for this series. */
  connections?: number;
  /** Events each request carries (a batch): the metrics then include `events_per_s`. */
  eventsPerRequest?: number;
  /** Measures this instead of HTTP requests to `path`. */
  direct?: DirectLoad;
  /**
   * Requests per second at which the series is also measured open loop (`measureAtRate`), after its closed
   * loop: the rate the latency target is stated at. HTTP series only.
   */
  targetRate?: number;
}

export interface MeasuredWindow {
  series: string;
  startUs: number;
  endUs: number;
}

/** What a measurement of a series gives, closed loop or at a rate. */
export interface LoadFigures {
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  connections: number;
  duration_s: number;
  /** Requests per second times the events each carried; only for series that send events. */
  events_per_s?: number;
  /**
   * CPU time per measured request, in ms: the API process, PostgreSQL (all its processes), the load
   * generator. It holds far better than rps on a busy machine. Absent where /proc is not available.
   */
  cpu_ms_per_request?: CpuPerRequest;
}

/** A series measured closed loop: every connection sends its next request when the last one is answered. */
export interface SeriesMetrics extends LoadFigures {
  /** The same requests offered at the series' `targetRate` (see `measureAtRate`). */
  at_target_rate?: RateMetrics;
}

export interface CpuPerRequest {
  api: number;
  postgres: number;
  load_generator: number;
}

/**
 * A series measured open loop: requests offered on a fixed schedule, latency from each one's scheduled time.
 * `rps` counts from the first scheduled send to the last answer, `connections` is the most in flight (one per
 * connection), and `duration_s` is longer than the schedule when the server fell behind.
 */
export interface RateMetrics extends LoadFigures {
  /** The schedule: requests per second offered. */
  offered_rps: number;
}

/** Warms up, then measures one series; throws if any request errored, timed out or was not a 2xx. */
export async function measureSeries(
  baseUrl: string,
  spec: SeriesSpec,
  settings: LoadSettings,
  sampleCpu: () => CpuSample | null = () => null,
  /** Receives the measured phase's bounds on the monotonic clock (µs), which CPU profiles also use. */
  onMeasured: (window: MeasuredWindow) => void = () => {},
): Promise<SeriesMetrics> {
  const url = new URL(spec.path, baseUrl);
  if (url.hostname !== "127.0.0.1") throw new Error(`Benchmarks load 127.0.0.1 only, not ${url.hostname}`);
  const connections = spec.connections ?? settings.connections;
  const load = (seconds: number) =>
    spec.direct ? runDirect(spec.direct, connections, seconds) : runAutocannon(url, spec, connections, seconds);
  return warmUpAndMeasure(spec, connections, settings, load, { phase: "", window: spec.name }, sampleCpu, onMeasured);
}

/**
 * Warms up, then measures one series open loop, as wrk2 does: requests are scheduled every 1/rate seconds
 * and sent over `connections` keep-alive connections, one request in flight on each. A free connection takes
 * the next scheduled request, waits for its time if that is still ahead, and sends it; when every connection
 * is busy, scheduled requests wait, and that wait counts, since latency runs from the scheduled time, not from
 * the send (no coordinated omission). Every request scheduled within the duration is sent and answered, so a
 * server that falls behind shows it in latency and in `rps` below `offered_rps`. Throws like `measureSeries`
 * if any request failed.
 */
export async function measureAtRate(
  baseUrl: string,
  spec: SeriesSpec,
  rate: number,
  settings: LoadSettings,
  sampleCpu: () => CpuSample | null = () => null,
  onMeasured: (window: MeasuredWindow) => void = () => {},
): Promise<RateMetrics> {
  const url = new URL(spec.path, baseUrl);
  if (url.hostname !== "127.0.0.1") throw new Error(`Benchmarks load 127.0.0.1 only, not ${url.hostname}`);
  if (spec.direct) throw new Error(`Series ${spec.name} is not HTTP: it has no open-loop measurement`);
  if (!(rate > 0)) throw new Error(`Series ${spec.name}: a rate must be above 0 requests/s, not ${rate}`);
  const connections = spec.connections ?? settings.connections;
  // Connection i keeps its own session and body generator, and never has two requests in flight, as in the
  // closed loop.
  const senders = Array.from(
    { length: connections },
    (_, connection) => new HttpConnection(url, requestOf(spec, url, connection), requestTimeoutMs),
  );
  try {
    const figures = await warmUpAndMeasure(
      spec,
      connections,
      settings,
      (seconds) => runAtRate(senders, rate, seconds),
      { phase: ` at ${rate} requests/s`, window: `${spec.name} at ${rate}/s` },
      sampleCpu,
      onMeasured,
    );
    return { offered_rps: rate, ...figures };
  } finally {
    for (const sender of senders) sender.close();
  }
}

/**
 * The run's warm-up (thrown away), then `load` for its duration, measured: the figures, once every request
 * of both succeeded. `phase` ends the failure messages' phase names; `window` names the measured phase.
 */
async function warmUpAndMeasure(
  spec: SeriesSpec,
  connections: number,
  settings: LoadSettings,
  load: (seconds: number) => Promise<LoadResult>,
  names: { phase: string; window: string },
  sampleCpu: () => CpuSample | null,
  onMeasured: (window: MeasuredWindow) => void,
): Promise<LoadFigures> {
  if (settings.warmupSeconds > 0) {
    const warmup = await load(settings.warmupSeconds);
    assertClean(spec.name, `warm-up${names.phase}`, warmup);
  }
  const cpuBefore = sampleCpu();
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const result = await load(settings.durationSeconds);
  onMeasured({ series: names.window, startUs, endUs: Number(process.hrtime.bigint() / 1000n) });
  const cpuAfter = sampleCpu();
  assertClean(spec.name, `measurement${names.phase}`, result);
  const requests = result.requests.total;
  const rps = requests / result.duration;
  return {
    rps: Math.round(rps),
    ...(spec.eventsPerRequest ? { events_per_s: Math.round(rps * spec.eventsPerRequest) } : {}),
    p50_ms: result.latency.p50,
    p90_ms: result.latency.p90,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    requests,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    connections,
    duration_s: Number(result.duration.toFixed(2)),
    ...(cpuBefore && cpuAfter ? { cpu_ms_per_request: cpuPerRequest(cpuBefore, cpuAfter, requests) } : {}),
  };
}

function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuPerRequest {
  const perRequest = (from: number, to: number) => Number(((to - from) / Math.max(1, requests)).toFixed(3));
  return {
    api: perRequest(before.apiMs, after.apiMs),
    postgres: perRequest(before.postgresMs, after.postgresMs),
    load_generator: perRequest(before.loadGeneratorMs, after.loadGeneratorMs),
  };
}

/** What connection i sends throughout a series. */
function requestOf(spec: SeriesSpec, url: URL, connection: number): ConnectionRequest {
  const own = spec.perConnection?.(connection) ?? {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...spec.headers, ...own.headers })) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  if (own.body) headers["content-type"] = "application/json";
  return {
    method: own.body ? "POST" : "GET",
    path: own.path ?? `${url.pathname}${url.search}`,
    headers,
    ...(own.body ? { body: own.body } : {}),
  };
}

/** A request stuck this long is an error worth failing the run over, not a latency sample (as in the closed loop). */
const requestTimeoutMs = 10_000;

/** Sends the requests scheduled over `seconds` at `rate` and waits for every answer. */
async function runAtRate(senders: readonly HttpConnection[], rate: number, seconds: number): Promise<LoadResult> {
  const scheduled = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const latencies: number[] = [];
  const statusCodeStats: Record<string, { count: number }> = {};
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let firstError: unknown = null;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    senders.map(async (sender) => {
      // Requests are taken in schedule order, so the oldest waiting one always goes out first.
      for (let slot = next++; slot < scheduled; slot = next++) {
        const due = started + slot * intervalMs;
        // A timer may fire a little early: never send before the scheduled time.
        for (let ahead = due - performance.now(); ahead > 0; ahead = due - performance.now()) await sleep(ahead);
        try {
          const status = await sender.send();
          latencies.push(performance.now() - due);
          const counted = statusCodeStats[status] ?? { count: 0 };
          counted.count++;
          statusCodeStats[status] = counted;
          if (status < 200 || status > 299) non2xx++;
        } catch (error) {
          if (error instanceof RequestTimeout) timeouts++;
          else errors++;
          firstError ??= error;
        }
      }
    }),
  );
  if (firstError) process.stderr.write(`first failure of ${errors + timeouts}: ${String(firstError)}\n`);
  const latency = latencySummary(latencies);
  return {
    requests: { total: latencies.length } as autocannon.Result["requests"],
    latency: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max } as autocannon.Result["latency"],
    duration: (performance.now() - started) / 1000,
    errors,
    timeouts,
    non2xx,
    statusCodeStats: statusCodeStats as autocannon.Result["statusCodeStats"],
  };
}

/** The latency percentiles the results report, in ms to two decimals. */
function latencySummary(latencies: number[]): { p50: number; p90: number; p99: number; max: number } {
  const sorted = latencies.toSorted((a, b) => a - b);
  const at = (share: number) =>
    Number((sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0).toFixed(2));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/** What the harness reads of a load's outcome: autocannon's result, or the same figures from a direct load. */
type LoadResult = Pick<
  autocannon.Result,
  "requests" | "latency" | "duration" | "errors" | "timeouts" | "non2xx" | "statusCodeStats"
>;

/** Keeps `connections` callers busy for the duration, each starting its next call when the last one ended. */
async function runDirect(load: DirectLoad, connections: number, durationSeconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown = null;
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, caller) => {
      while (performance.now() < deadline) {
        const callStarted = performance.now();
        try {
          await load.call(caller);
          latencies.push(performance.now() - callStarted);
        } catch (error) {
          errors++;
          firstError ??= error;
        }
      }
    }),
  );
  if (firstError) process.stderr.write(`first failure of ${errors}: ${String(firstError)}\n`);
  const latency = latencySummary(latencies);
  return {
    requests: { total: latencies.length } as autocannon.Result["requests"],
    latency: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max } as autocannon.Result["latency"],
    duration: (performance.now() - started) / 1000,
    errors,
    timeouts: 0,
    non2xx: 0,
    statusCodeStats: {},
  };
}

function runAutocannon(
  url: URL,
  spec: SeriesSpec,
  connections: number,
  durationSeconds: number,
): Promise<autocannon.Result> {
  const { headers, perConnection } = spec;
  let nextConnection = 0;
  return autocannon({
    url: url.toString(),
    connections,
    duration: durationSeconds,
    // A request stuck this long is an error worth failing the run over, not a latency sample.
    timeout: 10,
    ...(headers ? { headers: headers as Record<string, string> } : {}),
    ...(perConnection
      ? {
          setupClient: (client: autocannon.Client) => {
            const request = perConnection(nextConnection++);
            // setRequests, not setRequest: the latter changes only the request in flight, and autocannon
            // goes back to its request list (the defaults, without this connection's cookie) for the next.
            const body = request.body;
            client.setRequests([
              {
                method: body ? "POST" : "GET",
                path: request.path ?? `${url.pathname}${url.search}`,
                headers: {
                  ...headers,
                  ...request.headers,
                  ...(body ? { "content-type": "application/json" } : {}),
                } as Record<string, string>,
                // Called before every request: a new body each time.
                ...(body ? { setupRequest: (next: autocannon.Request) => ({ ...next, body: body() }) } : {}),
              },
            ]);
          },
        }
      : {}),
  });
}

function assertClean(series: string, phase: string, result: LoadResult): void {
  if (result.errors === 0 && result.non2xx === 0 && result.timeouts === 0) return;
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([code, { count }]) => `${code}: ${count}`)
    .join(", ");
  throw new Error(
    `Series ${series} (${phase}): ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx ` +
      `answers out of ${result.requests.total} requests (status codes: ${statuses || "none"}). ` +
      "A benchmark only counts when every request succeeded.",
  );
}
