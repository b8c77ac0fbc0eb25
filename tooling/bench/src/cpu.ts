// CPU time the API and PostgreSQL spend per request, read from /proc (Linux). Unlike latency and rps, CPU
// time per request barely changes when other work shares the machine, so it still says where a request's
// cost goes on a busy machine.
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times (USER_HZ): 100 on Linux. */
const ticksPerSecond = 100;

export interface CpuSample {
  /** Milliseconds of CPU (user + system) the API process has used. */
  apiMs: number;
  /** The postmaster, its live backends, and the backends it has reaped. */
  postgresMs: number;
  /** This process: autocannon. */
  loadGeneratorMs: number;
}

/** utime, stime, cutime, cstime of a process, in ms; null when it is gone or /proc is not there. */
function times(pid: number): { own: number; reaped: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const tick = (index: number) => (Number(fields[index]) * 1000) / ticksPerSecond;
    return { own: tick(11) + tick(12), reaped: tick(13) + tick(14) };
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

export function sampleCpu(pids: { api: number | null; postmaster: number | null }): CpuSample | null {
  if (!pids.api || !pids.postmaster) return null;
  const api = times(pids.api);
  const postmaster = times(pids.postmaster);
  if (!api || !postmaster) return null;
  const backends = childrenOf(pids.postmaster).reduce((sum, pid) => sum + (times(pid)?.own ?? 0), 0);
  const own = process.cpuUsage();
  return {
    apiMs: api.own,
    postgresMs: postmaster.own + postmaster.reaped + backends,
    loadGeneratorMs: (own.user + own.system) / 1000,
  };
}
