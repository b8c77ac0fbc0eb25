// Vitest global setup for packages that use the job queue: the template database also holds pg-boss's schema.
import { createGlobalSetup } from "@learnops/db/testing/global-setup";
import pino from "pino";
import { installJobQueue } from "../queue.ts";

export default createGlobalSetup({
  prepareTemplate: (templateUrl) => installJobQueue(templateUrl, pino({ level: "silent" })),
});
