// Issue 5: deciding whether a learner may open a lesson must cost little more than tRPC itself. Measures
// access.check for signed-in learners against two references measured in the same run: a bare Hono route
// (the HTTP floor of this server) and a trivial tRPC query (the floor of any procedure).
import { appRouter } from "@learnops/api/root";
import { type Benchmark, type Target, target } from "../benchmark.ts";
import type { SeriesMetrics, SeriesSpec } from "../load.ts";
import { enrolLearners, seedLearners } from "../seed.ts";
import type { Stack } from "../stack.ts";

const series = [
  { name: "hono_bare", description: "GET /bench/bare: a JSON answer from the API's Hono app and middleware, no tRPC" },
  { name: "trpc_trivial", description: "GET /trpc/operations.ping: a public tRPC query, no cookie, no database" },
  {
    name: "access_check",
    description: "GET /trpc/access.check: a signed-in learner (own session per connection) opening a lesson",
  },
] as const;

/** The issue's targets. */
const minimumRpsVersusTrpc = 0.6;
const maximumP99Ms = 25;

export const accessBenchmark: Benchmark = {
  name: "access",
  issue: "issue 5",
  description: "access.check against a bare Hono route and a trivial tRPC query",
  series,

  async preflight(selected) {
    if (selected("access_check") && !("access.check" in appRouter._def.procedures)) {
      throw new Error(
        "access.check is not in the AppRouter yet, so the access_check series cannot run. " +
          "Measure the references alone with `npm run bench -- access --series hono_bare,trpc_trivial`.",
      );
    }
  },

  async prepare({ stack, settings, selected }) {
    const specs: SeriesSpec[] = [];
    if (selected("hono_bare")) specs.push({ ...series[0], path: "/bench/bare" });
    if (selected("trpc_trivial")) specs.push({ ...series[1], path: "/trpc/operations.ping" });
    if (selected("access_check")) {
      const fixture = await seedAccessFixture(stack, settings.connections);
      specs.push({ ...series[2], path: fixture.paths[0] ?? "", perConnection: fixture.requestFor });
    }
    return specs;
  },

  evaluate(metrics) {
    const { access_check: access, trpc_trivial: trpc, hono_bare: hono } = metrics;
    const ratios: Record<string, number> = {};
    if (access && trpc) ratios.access_vs_trpc = round(access.rps / trpc.rps);
    if (access && hono) ratios.access_vs_hono = round(access.rps / hono.rps);
    // What the rps ratio would be if CPU were all that limited both (it is, on 2 cores): this holds when
    // other work on the machine makes rps jump between rounds.
    const cpuOf = (m: SeriesMetrics | undefined) =>
      m?.cpu_ms_per_request
        ? m.cpu_ms_per_request.api + m.cpu_ms_per_request.postgres + m.cpu_ms_per_request.load_generator
        : null;
    const accessCpu = cpuOf(access);
    const trpcCpu = cpuOf(trpc);
    if (accessCpu && trpcCpu) ratios.access_vs_trpc_by_cpu = round(trpcCpu / accessCpu);
    const targets: Target[] = [];
    if (ratios.access_vs_trpc !== undefined)
      targets.push(target("access_check rps / trpc_trivial rps", ratios.access_vs_trpc, ">=", minimumRpsVersusTrpc));
    if (access) targets.push(target("access_check p99 (ms)", access.p99_ms, "<=", maximumP99Ms));
    return { ratios, targets };
  },
};

function round(value: number): number {
  return Number(value.toFixed(3));
}

function checkPath(lessonId: string): string {
  return `/trpc/access.check?input=${encodeURIComponent(JSON.stringify({ lessonId }))}`;
}

/**
 * One learner per connection, each with a session of their own, all enrolled in one published course; the
 * connections spread over its lessons. Every learner's check is tried once before the load: the series must
 * measure an allowed answer, not a refusal.
 */
async function seedAccessFixture(stack: Stack, connections: number) {
  const { institutionId, learners } = await seedLearners(stack, {
    institutionSlug: "northwind-health",
    count: connections,
  });
  // Dementia Care Essentials: published, three lessons without prerequisites, so every check is allowed
  // and each one still reads the course, the lesson, the enrolment, overrides and progress.
  const lessonIds = await enrolLearners(stack, {
    institutionId,
    courseCode: "dementia-care",
    learnerIds: learners.map((learner) => learner.userId),
  });
  const paths = lessonIds.map(checkPath);
  const requestFor = (connection: number) => ({
    path: paths[connection % paths.length] ?? "",
    headers: { cookie: learners[connection % learners.length]?.cookie ?? "" },
  });

  for (let connection = 0; connection < learners.length; connection++) {
    const request = requestFor(connection);
    const response = await fetch(`${stack.baseUrl}${request.path}`, { headers: request.headers });
    const body = (await response.json()) as { result?: { data?: { allowed?: boolean; reason?: string } } };
    if (response.status !== 200 || body.result?.data?.allowed !== true) {
      throw new Error(
        `access.check did not allow seeded learner ${connection + 1} (HTTP ${response.status}): ${JSON.stringify(body)}`,
      );
    }
  }
  return { paths, requestFor };
}
