import { Writable } from "node:stream";
import pino from "pino";
import { expect, it } from "vitest";
import { lazyChildLogger } from "./request-log.ts";

function capture(level: pino.Level) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

it("logs with its bindings like a child, and makes none for levels that are off", async () => {
  const { log, lines } = capture("info");
  let made = 0;
  const child = log.child.bind(log);
  log.child = ((...args: Parameters<typeof log.child>) => {
    made += 1;
    return child(...args);
  }) as typeof log.child;

  const quiet = lazyChildLogger(log, { requestId: "req-1" });
  quiet.debug({ detail: 1 }, "not logged");
  expect(made).toBe(0);

  const loud = lazyChildLogger(log, { requestId: "req-2" });
  loud.info({ status: 200 }, "request");
  loud.warn("again");
  expect(made).toBe(1);
  expect(loud.bindings()).toEqual({ requestId: "req-2" });
  await new Promise((resolve) => setImmediate(resolve));
  expect(lines.map((line) => [line.requestId, line.msg])).toEqual([
    ["req-2", "request"],
    ["req-2", "again"],
  ]);
});
