// Where a CPU profile of the API process (`--profile`) spent its time: self time by package and by function.
import { readFile } from "node:fs/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package>, the workspace package, node's internals, or V8's own entries. */
function areaOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || "native"})`.replace(/^\(\((.*)\)\)$/, "($1)");
  if (url.startsWith("node:")) return "node internals";
  const inModules = url.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/);
  if (inModules?.[1]) return inModules[1];
  const inWorkspace = url.match(/\/((?:packages|apps|tooling)\/[^/]+)\//);
  return inWorkspace?.[1] ?? url;
}

export async function summariseProfile(file: string, top = 15): Promise<string> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const micros = profile.timeDeltas[index] ?? 0;
    if (!node) return;
    total += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
    const where = url ? `${url.replace(/^.*\/(node_modules|packages|apps)\//, "$1/")}:${lineNumber + 1}` : "";
    const key = `${functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  });
  const busy = total - (byArea.get("(idle)") ?? 0);
  const share = (micros: number) => `${((100 * micros) / total).toFixed(1).padStart(5)} %`;
  const list = (entries: Map<string, number>) =>
    [...entries]
      .toSorted((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `  ${share(micros)}  ${name}`);
  return [
    `CPU profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${((100 * busy) / total).toFixed(0)} % busy`,
    "Self time by package:",
    ...list(byArea),
    "Self time by function:",
    ...list(byFunction),
  ].join("\n");
}
