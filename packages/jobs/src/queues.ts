import type { Queue } from "pg-boss";
import { z } from "zod";

/** A queue's one contract: its name, the payload every job on it carries, and its retry and expiry policy. */
export interface JobDefinition<Payload extends z.ZodType> {
  queue: string;
  payload: Payload;
  options: Omit<Queue, "name">;
}

function defineJob<Payload extends z.ZodType>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  return definition;
}

export type JobPayload<Definition> = Definition extends JobDefinition<infer Payload> ? z.infer<Payload> : never;

/** Jobs that failed for good (bad payload, retries exhausted) are kept here for an operator to inspect. */
export const deadLetterQueue = "dead-letter";

/** A worker answers that it is alive and picking up jobs (see `operations.requestWorkerCheck`). */
export const workerCheckJob = defineJob({
  queue: "worker-check",
  payload: z.object({ checkId: z.uuid() }),
  options: {
    notify: true,
    retryLimit: 3,
    retryDelay: 1,
    retryBackoff: true,
    // A check is about now: an answer a minute late says nothing useful.
    expireInSeconds: 30,
    retentionSeconds: 60 * 60,
    deadLetter: deadLetterQueue,
  },
});

/**
 * Sends one message of the email outbox (packages/email). Queued in the transaction that wrote the row; the
 * handler is idempotent by outbox id, so a redelivered job sends nothing twice. A provider outage is retried
 * with exponential backoff, about 30 s, 1, 2, 4, 8, 16 min… capped at 30 min: eight retries cover some
 * two hours, longer than a reset link lives.
 */
export const emailDeliveryJob = defineJob({
  queue: "email-delivery",
  payload: z.object({ outboxId: z.uuid() }),
  options: {
    notify: true,
    retryLimit: 8,
    retryDelay: 30,
    retryBackoff: true,
    retryDelayMax: 30 * 60,
    // One HTTP request to the provider: a job active for a minute is a worker that died mid-send.
    expireInSeconds: 60,
    // Links in these messages expire within two days; an older unsent one is of no use to anyone.
    retentionSeconds: 2 * 24 * 60 * 60,
    deadLetter: deadLetterQueue,
  },
});

/**
 * Applies a validated bulk enrolment upload, a chunk of rows per transaction, recording its progress. A
 * redelivered or retried job carries on from the last chunk that committed; a row applied twice changes
 * nothing (one live enrolment per learner and course).
 */
export const enrolmentImportJob = defineJob({
  queue: "enrolment-import",
  payload: z.object({ importId: z.uuid(), institutionId: z.uuid() }),
  options: {
    notify: true,
    retryLimit: 5,
    retryDelay: 10,
    retryBackoff: true,
    // 50,000 rows take well under a minute; ten minutes without completing is a worker that died.
    expireInSeconds: 10 * 60,
    retentionSeconds: 7 * 24 * 60 * 60,
    deadLetter: deadLetterQueue,
  },
});

/**
 * A learner completed a course (the progress engine recorded it): the worker sends them the "course
 * completed" email through the outbox. Sent in the transaction that recorded the completion, with a
 * singleton key per learner and course; the handler is idempotent by the course progress row, which keeps
 * the one outbox message it queued, so a redelivered job sends nothing twice.
 */
export const courseCompletedJob = defineJob({
  queue: "course-completed",
  payload: z.object({ institutionId: z.uuid(), userId: z.uuid(), courseId: z.uuid(), completedAt: z.iso.datetime() }),
  options: {
    // At most one job per learner and course queued or running at a time (the singleton key).
    policy: "exclusive",
    notify: true,
    retryLimit: 8,
    retryDelay: 30,
    retryBackoff: true,
    retryDelayMax: 30 * 60,
    expireInSeconds: 60,
    retentionSeconds: 7 * 24 * 60 * 60,
    deadLetter: deadLetterQueue,
  },
});

/**
 * Ends the enrolments whose access has run out (`expireLapsedEnrolments`), on a schedule (`enrolmentExpirySchedule`).
 * The access engine refuses an enrolment from the moment it expires; this makes enrolment lists, reports and
 * reminders say `expired` too. Idempotent: a second run finds nothing left to end.
 */
export const enrolmentExpiryJob = defineJob({
  queue: "enrolment-expiry",
  payload: z.object({}),
  options: {
    retryLimit: 3,
    retryDelay: 60,
    retryBackoff: true,
    // One sweep at a time: another is due a quarter of an hour later anyway.
    policy: "singleton",
    expireInSeconds: 10 * 60,
    retentionSeconds: 24 * 60 * 60,
    deadLetter: deadLetterQueue,
  },
});

/** Every quarter of an hour (cron, UTC): an enrolment stays `active` at most this long after it expired. */
export const enrolmentExpirySchedule = "*/15 * * * *";

/**
 * Emails the people who manage an institution's single sign-on when its service provider key needs them
 * (`notifyServiceProviderKeyRenewals`), on a schedule (`serviceProviderKeyRenewalSchedule`). Idempotent: each
 * key records the step it was emailed about.
 */
export const serviceProviderKeyRenewalJob = defineJob({
  queue: "service-provider-key-renewal",
  payload: z.object({}),
  options: {
    retryLimit: 5,
    retryDelay: 5 * 60,
    retryBackoff: true,
    policy: "singleton",
    expireInSeconds: 10 * 60,
    retentionSeconds: 7 * 24 * 60 * 60,
    deadLetter: deadLetterQueue,
  },
});

/** Daily at 07:00 UTC: the notice comes within a day of the key entering the 90 days' lead time. */
export const serviceProviderKeyRenewalSchedule = "0 7 * * *";

/**
 * Recomputes a large course's learners after a change no event made (completion rules, a lesson's kind or
 * whether it is required, the outline), page by page, each page in a transaction of its own
 * (`recomputeCourseInChunks` in packages/api; the worker registers its handler). Sent in the transaction of
 * the change. One waits per course and mode at a time (stately): a change made while one waits is covered by
 * it, since every page reads the course as it is then. Idempotent: a second run recomputes the same figures.
 */
export const progressRecomputeJob = defineJob({
  queue: "progress-recompute",
  payload: z.object({ institutionId: z.uuid(), courseId: z.uuid(), mode: z.enum(["rebuild", "refresh"]) }),
  options: {
    policy: "stately",
    notify: true,
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    // A course of 50,000 learners takes minutes; an hour without completing is a worker that died.
    expireInSeconds: 60 * 60,
    retentionSeconds: 7 * 24 * 60 * 60,
    deadLetter: deadLetterQueue,
  },
});

export const jobDefinitions = [
  workerCheckJob,
  emailDeliveryJob,
  enrolmentImportJob,
  courseCompletedJob,
  enrolmentExpiryJob,
  serviceProviderKeyRenewalJob,
  progressRecomputeJob,
] as const;
