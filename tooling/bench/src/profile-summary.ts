// Where a CPU profile of the API process (`--profile`) spent its time during the measured phases: self time
// by package and by function, and time with a package or a workspace function anywhere on the stack.
import { readFile } from "node:fs/promises";
import type { MeasuredWindow } from "./load.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock, the one `process.hrtime` reads. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package>, the workspace package, node's internals, or V8's own entries. */
function areaOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || "native"})`.replace(/^\(\((.*)\)\)$/, "($1)");
  if (url.startsWith("node:")) return "node internals";
  return packageOf(url) ?? workspacePackageOf(url) ?? url;
}

function packageOf(url: string): string | null {
  // The last node_modules/ in the path: pnpm nests packages as .pnpm/<id>/node_modules/<name>.
  const match = url.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)/);
  return match?.[1] ?? null;
}

function workspacePackageOf(url: string): string | null {
  return url.match(/\/((?:packages|apps|tooling)\/[^/]+)\//)?.[1] ?? null;
}

export async function summariseProfile(file: string, windows: readonly MeasuredWindow[], top = 15): Promise<string> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const inWindow = (at: number) => windows.length === 0 || windows.some((w) => at >= w.startUs && at <= w.endUs);
  const self = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const onStack = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, micros: number) => map.set(key, (map.get(key) ?? 0) + micros);
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    at += micros;
    const node = nodes.get(id);
    if (!node || !inWindow(at)) return;
    total += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    add(self, areaOf(url, functionName), micros);
    const where = url ? ` ${url.replace(/^.*\/(node_modules|packages|apps)\//, "$1/")}:${lineNumber + 1}` : "";
    add(selfByFunction, `${functionName || "(anonymous)"}${where}`, micros);
    // Synchronous stacks only: what runs after an await starts a stack of its own.
    const seen = new Set<string>();
    for (let frame: ProfileNode | undefined = node; frame; frame = nodes.get(parents.get(frame.id) ?? -1)) {
      const frameUrl = frame.callFrame.url;
      const dependency = packageOf(frameUrl);
      const workspace = dependency ? null : workspacePackageOf(frameUrl);
      const key = dependency
        ? dependency
        : workspace
          ? `${frame.callFrame.functionName || "(anonymous)"} ${frameUrl.replace(/^.*\/(packages|apps)\//, "$1/")}`
          : null;
      if (key && !seen.has(key)) {
        seen.add(key);
        add(onStack, key, micros);
      }
    }
  });
  if (total === 0) return `CPU profile ${file}: no samples in the measured phases`;
  const share = (micros: number) => `${((100 * micros) / total).toFixed(1).padStart(5)} %`;
  const list = (entries: Map<string, number>) =>
    [...entries]
      .toSorted((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `  ${share(micros)}  ${name}`);
  const idle = self.get("(idle)") ?? 0;
  return [
    `CPU profile ${file}`,
    `${(total / 1e6).toFixed(1)} s sampled in the measured phases${windows.length ? ` of ${windows.map((w) => w.series).join(", ")}` : ""}, ${((100 * (total - idle)) / total).toFixed(0)} % busy`,
    "Self time by package:",
    ...list(self),
    "Self time by function:",
    ...list(selfByFunction),
    "On the stack (synchronous stacks; a package or workspace function anywhere in them):",
    ...list(onStack),
  ].join("\n");
}
