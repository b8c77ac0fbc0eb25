// What a benchmark is to the harness: a name, the series it measures, and a run against the started stack.
import type { LoadSettings, SeriesMetrics, SeriesSpec } from "./load.ts";
import type { Stack } from "./stack.ts";

export interface BenchContext {
  stack: Stack;
  settings: LoadSettings;
  /** Whether this series runs (all do, unless `--series` named some). */
  selected(series: string): boolean;
  /** Warms up and measures one series against the API; throws if any request failed. */
  measure(spec: SeriesSpec): Promise<SeriesMetrics>;
}

/** A target from the issue, checked against this run's figures. */
export interface Target {
  description: string;
  measured: number;
  comparison: ">=" | "<=";
  limit: number;
  passed: boolean;
}

export function target(description: string, measured: number, comparison: ">=" | "<=", limit: number): Target {
  return {
    description,
    measured,
    comparison,
    limit,
    passed: comparison === ">=" ? measured >= limit : measured <= limit,
  };
}

export interface BenchOutcome {
  metrics: Record<string, SeriesMetrics>;
  /** Figures derived from series of the same run (e.g. rps against a reference's), so they hold on a noisy machine. */
  ratios?: Record<string, number>;
  targets?: Target[];
}

export interface Benchmark {
  name: string;
  /** Where the target comes from, e.g. "issue 5". */
  issue: string;
  description: string;
  /** Every series it can measure, in the order it measures them. */
  series: readonly { name: string; description: string }[];
  /** Checks that need no stack (is the procedure there yet?): fails fast, before anything starts. */
  preflight?(selected: (series: string) => boolean): Promise<void>;
  run(context: BenchContext): Promise<BenchOutcome>;
}
