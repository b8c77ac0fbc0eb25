import { recomputeCourseInChunks } from "@learnops/api/progress-projections";
import { register } from "@learnops/jobs/handlers";
import { progressRecomputeJob } from "@learnops/jobs/queues";
import type { PgBoss } from "pg-boss";

/**
 * The progress-recompute job's handler. It lives in the worker app because the projections are the API
 * package's, which the jobs package cannot import (the API sends jobs). A completion the recompute finds is
 * recorded like any other, its course-completed job sent through `boss`.
 */
export function progressRecomputeRegistration(boss: PgBoss) {
  return register(progressRecomputeJob, (payload, { db }) =>
    recomputeCourseInChunks(db, payload, { jobs: boss, now: () => new Date() }),
  );
}
