// Every benchmark `npm run bench -- <name>` knows. Add yours here (see README.md).

import type { Benchmark } from "./benchmark.ts";
import { accessBenchmark } from "./benchmarks/access.ts";
import { progressBenchmark } from "./benchmarks/progress.ts";

export const benchmarks: readonly Benchmark[] = [accessBenchmark, progressBenchmark];
