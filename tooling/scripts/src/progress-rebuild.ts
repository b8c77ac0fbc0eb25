// Rebuilds progress projections (lesson progress, course progress) from the event log, as the database owner:
// DATABASE_URL, or the embedded server.
//
//   pnpm progress:rebuild --institution <slug> --course <code>     one course, every learner
//   pnpm progress:rebuild --institution <slug> --learner <email>   one learner, every course
//   pnpm progress:rebuild --institution <slug> --all               every course of the institution
//
// A learner is rebuilt in one transaction; a course, 200 learners to a transaction (`recomputeCourseInChunks`,
// as the progress-recompute job does), so the learners' recording never waits for the whole course. Each is
// audited as a system action (`progress.rebuilt`, no actor). Completions the rebuild finds (after a rule change,
// say) send their course-completed job as the recording would. Exits 1 on bad arguments, 2 on failure.
import { parseArgs } from "node:util";
import { rebuildProgress, recomputeCourseInChunks } from "@learnops/api/progress-projections";
import { createDatabase } from "@learnops/db/client";
import { readDatabaseEnv } from "@learnops/db/env";
import { openDatabaseServer } from "@learnops/db/local-server";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import { withTenant } from "@learnops/db/tenancy";
import { startJobQueue } from "@learnops/jobs/queue";
import pino from "pino";

const usage = "usage: pnpm progress:rebuild --institution <slug> (--course <code> | --learner <email> | --all)";
const { values } = parseArgs({
  options: {
    institution: { type: "string" },
    course: { type: "string" },
    learner: { type: "string" },
    all: { type: "boolean", default: false },
  },
});
const scopes = [values.course, values.learner, values.all || undefined].filter((value) => value !== undefined);
if (!values.institution || scopes.length !== 1) {
  console.error(usage);
  process.exit(1);
}

const log = pino({ level: "warn" });
const server = await openDatabaseServer(readDatabaseEnv());
const db = createDatabase(server.databaseUrl, { maxConnections: 2, applicationName: "learnops-progress-rebuild" });
const jobs = await startJobQueue({ connectionString: server.databaseUrl, role: "sender", log });
try {
  const institution = await db
    .selectFrom("institutions")
    .select("id")
    .where("slug", "=", values.institution)
    .executeTakeFirst();
  if (!institution) throw new Error(`No institution with the slug "${values.institution}"`);
  const institutionId = institution.id;

  const targets = await withTenant(db, { institutionId }, async (trx) => {
    if (values.learner) {
      const user = await trx.selectFrom("users").select("id").where("email", "=", values.learner).executeTakeFirst();
      if (!user) throw new Error(`No person with the email address ${values.learner}`);
      return [{ userId: user.id, name: values.learner }];
    }
    let query = trx.selectFrom("courses").select(["id", "code"]).orderBy("code");
    if (values.course) query = query.where("code", "=", values.course);
    const courses = await query.execute();
    if (!courses.length) throw new Error(`No course with the code "${values.course}"`);
    return courses.map((course) => ({ courseId: course.id, name: course.code }));
  });

  for (const target of targets) {
    const outcome =
      "courseId" in target
        ? await recomputeCourseInChunks(
            db,
            { institutionId, courseId: target.courseId, mode: "rebuild" },
            { jobs, now: () => new Date() },
          )
        : await withTenant(db, { institutionId }, (trx) =>
            rebuildProgress(trx, institutionId, { userId: target.userId }, { now: new Date(), jobs }),
          );
    await withTenant(db, { institutionId }, (trx) =>
      appendAuditEvent(trx, {
        institutionId,
        action: "progress.rebuilt",
        actorUserId: null,
        targetType: "courseId" in target ? "course" : "user",
        targetId: "courseId" in target ? target.courseId : target.userId,
        after: { ...outcome, by: "pnpm progress:rebuild" },
      }),
    );
    console.log(
      `${target.name}: ${outcome.learners} learners, ${outcome.lessonProgressRows} lesson and ${outcome.courseProgressRows} course progress rows rebuilt`,
    );
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
} finally {
  await jobs.stop({ graceful: false, close: true });
  await db.destroy();
  await server.stop();
}
