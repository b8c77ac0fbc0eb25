import pino from "pino";
import { readWorkerEnv } from "./env.ts";
import { startWorker } from "./worker.ts";

const log = pino({ base: { service: "worker" } });

let env: ReturnType<typeof readWorkerEnv>;
try {
  env = readWorkerEnv();
} catch (error) {
  log.fatal((error as Error).message);
  process.exit(1);
}
log.level = env.LOG_LEVEL;

const worker = await startWorker(env, log);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "worker stopping");
  // pg-boss waits for jobs in flight up to its own timeout; this is the backstop if the pool hangs.
  const deadline = setTimeout(
    () => {
      log.error("shutdown timed out; exiting");
      process.exit(1);
    },
    (env.SHUTDOWN_TIMEOUT_SECONDS + 5) * 1000,
  );
  deadline.unref();
  await worker.stop();
  clearTimeout(deadline);
}

process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
// Started by the main job with an IPC channel: if the main job goes away, so do we.
if (process.channel) {
  process.once("disconnect", () => void shutdown("parent exited"));
  // Listening for the channel's end must not keep the process alive once shutdown has closed everything.
  process.channel.unref();
}
