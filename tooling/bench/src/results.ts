// The results file (`tooling/bench/results/<name>.json`, git-ignored) and the table printed after a run.
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { BenchOutcome } from "./benchmark.ts";

export const resultsDir = path.resolve(import.meta.dirname, "../results");

export interface BenchResults extends BenchOutcome {
  name: string;
  date: string;
  machine: { cpus: number; node: string; postgres: string };
}

export function describeMachine(postgresVersion: string): BenchResults["machine"] {
  return { cpus: os.availableParallelism(), node: process.version, postgres: postgresVersion };
}

export async function writeResults(results: BenchResults): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${results.name}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export function formatResults(results: BenchResults): string {
  const measured = Object.entries(results.metrics);
  const rows = measured.map(([series, m]) => [
    series,
    m.rps.toLocaleString("en-GB"),
    m.events_per_s === undefined ? "–" : m.events_per_s.toLocaleString("en-GB"),
    m.p50_ms.toFixed(1),
    m.p99_ms.toFixed(1),
    m.requests.toLocaleString("en-GB"),
    String(m.errors + m.non2xx),
    String(m.connections),
    m.cpu_ms_per_request ? m.cpu_ms_per_request.api.toFixed(3) : "–",
    m.cpu_ms_per_request ? m.cpu_ms_per_request.postgres.toFixed(3) : "–",
  ]);
  const lines = [
    `${results.name} — ${results.date}, ${results.machine.cpus} CPUs, Node ${results.machine.node}, ${results.machine.postgres.split(" on ")[0]}`,
    "",
    "Closed loop: each connection sends its next request when the last one is answered (a saturated server).",
    "",
    ...table(
      [
        "series",
        "rps",
        "events/s",
        "p50 ms",
        "p99 ms",
        "requests",
        "failed",
        "conns",
        "API cpu ms/req",
        "PG cpu ms/req",
      ],
      rows,
    ),
  ];
  const atRate = measured.flatMap(([name, m]) => (m.at_target_rate ? [[name, m.at_target_rate] as const] : []));
  if (atRate.length) {
    lines.push(
      "",
      "At the target rate: requests offered on a fixed schedule over at most `conns` connections, latency from",
      "each request's scheduled send time (waiting for a free connection counts).",
      "",
      ...table(
        [
          "series",
          "offered rps",
          "rps",
          "events/s",
          "p50 ms",
          "p90 ms",
          "p99 ms",
          "max ms",
          "requests",
          "failed",
          "conns",
          "API cpu ms/req",
          "PG cpu ms/req",
        ],
        atRate.map(([name, m]) => [
          name,
          m.offered_rps.toLocaleString("en-GB"),
          m.rps.toLocaleString("en-GB"),
          m.events_per_s === undefined ? "–" : m.events_per_s.toLocaleString("en-GB"),
          m.p50_ms.toFixed(1),
          m.p90_ms.toFixed(1),
          m.p99_ms.toFixed(1),
          m.max_ms.toFixed(1),
          m.requests.toLocaleString("en-GB"),
          String(m.errors + m.timeouts + m.non2xx),
          String(m.connections),
          m.cpu_ms_per_request ? m.cpu_ms_per_request.api.toFixed(3) : "–",
          m.cpu_ms_per_request ? m.cpu_ms_per_request.postgres.toFixed(3) : "–",
        ]),
      ),
    );
  }
  if (results.ratios && Object.keys(results.ratios).length) {
    lines.push("", ...Object.entries(results.ratios).map(([name, value]) => `${name}: ${value.toFixed(3)}`));
  }
  if (results.notes?.length) lines.push("", ...results.notes);
  if (results.targets?.length) {
    lines.push("");
    for (const t of results.targets) {
      lines.push(`${t.passed ? "PASS" : "FAIL"}  ${t.description}: ${round(t.measured)} ${t.comparison} ${t.limit}`);
    }
  }
  return lines.join("\n");
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  // The series name reads best left-aligned; figures right-aligned.
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)];
}
