// What a benchmark is to the harness: a name, the series it measures, and a run against the started stack.
import type { LoadSettings, SeriesMetrics, SeriesSpec } from "./load.ts";
import type { Stack } from "./stack.ts";

export interface BenchContext {
  stack: Stack;
  settings: LoadSettings;
  /** Whether this series runs (all do, unless `--series` named some). */
  selected(series: string): boolean;
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

export interface BenchEvaluation {
  /** Figures derived from series of the same run (e.g. rps against a reference's), so they hold on a noisy machine. */
  ratios?: Record<string, number>;
  targets?: Target[];
  /** Figures worth reading beside the targets that are not targets themselves, one line each. */
  notes?: string[];
}

/** What a run found: the figures per series, with the ratios and targets evaluated from them. */
export interface BenchOutcome extends BenchEvaluation {
  metrics: Record<string, SeriesMetrics>;
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
  /**
   * Seeds what the selected series need (before anything is measured, so every series sees the same
   * database) and says how to load each; the harness measures them in this order, round after round.
   */
  prepare(context: BenchContext): Promise<SeriesSpec[]>;
  /** Ratios and the issue's targets, from the run's figures per series. */
  evaluate?(metrics: Record<string, SeriesMetrics>): BenchEvaluation;
}
