import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

export interface CapturedLog {
  log: Logger;
  /** Every entry written so far, parsed. */
  entries: Record<string, unknown>[];
}

/** A real pino logger whose JSON lines are kept in memory, so tests can assert what was logged. */
export function captureLog(level: pino.Level = "debug"): CapturedLog {
  const entries: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) entries.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level }, sink), entries };
}
