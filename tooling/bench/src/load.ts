// The load generator: autocannon, in the harness's process (never the server's), against 127.0.0.1 only.
import type { IncomingHttpHeaders } from "node:http";
import autocannon from "autocannon";
import type { CpuSample } from "./cpu.ts";

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
}

export interface MeasuredWindow {
  series: string;
  startUs: number;
  endUs: number;
}

export interface SeriesMetrics {
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
  cpu_ms_per_request?: { api: number; postgres: number; load_generator: number };
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
  if (settings.warmupSeconds > 0) {
    const warmup = await load(settings.warmupSeconds);
    assertClean(spec.name, "warm-up", warmup);
  }
  const cpuBefore = sampleCpu();
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const result = await load(settings.durationSeconds);
  onMeasured({ series: spec.name, startUs, endUs: Number(process.hrtime.bigint() / 1000n) });
  const cpuAfter = sampleCpu();
  assertClean(spec.name, "measurement", result);
  const perRequest = (before: number, after: number) =>
    Number(((after - before) / Math.max(1, result.requests.total)).toFixed(3));
  const rps = result.requests.total / result.duration;
  return {
    rps: Math.round(rps),
    ...(spec.eventsPerRequest ? { events_per_s: Math.round(rps * spec.eventsPerRequest) } : {}),
    p50_ms: result.latency.p50,
    p90_ms: result.latency.p90,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    connections,
    duration_s: Number(result.duration.toFixed(2)),
    ...(cpuBefore && cpuAfter
      ? {
          cpu_ms_per_request: {
            api: perRequest(cpuBefore.apiMs, cpuAfter.apiMs),
            postgres: perRequest(cpuBefore.postgresMs, cpuAfter.postgresMs),
            load_generator: perRequest(cpuBefore.loadGeneratorMs, cpuAfter.loadGeneratorMs),
          },
        }
      : {}),
  };
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
  const sorted = latencies.toSorted((a, b) => a - b);
  const at = (share: number) =>
    Number((sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0).toFixed(2));
  return {
    requests: { total: latencies.length } as autocannon.Result["requests"],
    latency: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) } as autocannon.Result["latency"],
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
