import type { Database } from "@learnops/db/client";
import { insertOutboxMessage } from "@learnops/db/queries/email-outbox";
import { withTenant } from "@learnops/db/tenancy";
import { deliverEmail } from "@learnops/email/delivery";
import { courseCompletedEmail } from "@learnops/email/templates";
import type { EmailTransport } from "@learnops/email/transport";
import type { Logger } from "pino";
import type { courseCompletedJob, JobPayload } from "./queues.ts";

/**
 * The course-completed job: queues the learner's "course completed" email in the outbox, once, and delivers
 * it. The course progress row keeps the outbox id of the message it queued, under a row lock, so a
 * redelivered job (pg-boss delivers at least once) finds it and only finishes its delivery, which is itself
 * idempotent by outbox id. A completion undone meanwhile (a rebuild under stricter rules) sends nothing.
 */
export async function notifyCourseCompleted(
  db: Database,
  payload: JobPayload<typeof courseCompletedJob>,
  transport: EmailTransport,
  log: Logger,
): Promise<object> {
  const outboxId = await withTenant(
    db,
    { institutionId: payload.institutionId, userId: payload.userId },
    async (trx) => {
      const progress = await trx
        .selectFrom("course_progress")
        .select(["completed_at", "completion_email_outbox_id"])
        .where("user_id", "=", payload.userId)
        .where("course_id", "=", payload.courseId)
        .forUpdate()
        .executeTakeFirst();
      if (!progress?.completed_at) return null;
      if (progress.completion_email_outbox_id) return progress.completion_email_outbox_id;
      const [learner, course, institution] = await Promise.all([
        trx.selectFrom("users").select(["email", "display_name"]).where("id", "=", payload.userId).executeTakeFirst(),
        trx.selectFrom("courses").select("title").where("id", "=", payload.courseId).executeTakeFirst(),
        trx
          .selectFrom("institutions")
          .select("display_name")
          .where("id", "=", payload.institutionId)
          .executeTakeFirst(),
      ]);
      if (!learner || !course) return null;
      const message = courseCompletedEmail({
        displayName: learner.display_name,
        institutionName: institution?.display_name ?? null,
        courseTitle: course.title,
        completedAt: new Date(progress.completed_at),
      });
      const id = await insertOutboxMessage(trx, {
        kind: "course_completed",
        userId: payload.userId,
        to: learner.email,
        ...message,
      });
      await trx
        .updateTable("course_progress")
        .set({ completion_email_outbox_id: id })
        .where("user_id", "=", payload.userId)
        .where("course_id", "=", payload.courseId)
        .execute();
      return id;
    },
  );
  if (!outboxId) return { skipped: "the course is not completed (any more), or the learner or course is gone" };
  return { outboxId, ...(await deliverEmail(db, transport, outboxId, log)) };
}
