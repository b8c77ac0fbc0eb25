// Rebuilds progress projections (lesson progress, course progress) from the event log, as the database owner:
// DATABASE_URL, or the embedded server.
//
//   pnpm progress:rebuild --institution <slug> --course <code>     one course, every learner
//   pnpm progress:rebuild --institution <slug> --learner <email>   one learner, every course
//   pnpm progress:rebuild --institution <slug> --all               every course of the institution
//
// Each course or learner is rebuilt in its own transaction and audited as a system action
// (`progress.rebuilt`, no actor). Completions the rebuild finds (after a rule change, say) send their
// course-completed job as the recording would. Exits 1 on bad arguments, 2 on failure.
import { parseArgs } from "node:util";
import { rebuildProgress } from "@learnops/api/progress-projections";
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
    const scope = "courseId" in target ? { courseId: target.courseId } : { userId: target.userId };
    const rebuilt = await withTenant(db, { institutionId }, async (trx) => {
      const outcome = await rebuildProgress(trx, institutionId, scope, { now: new Date(), jobs });
      await appendAuditEvent(trx, {
        institutionId,
        action: "progress.rebuilt",
        actorUserId: null,
        targetType: "courseId" in scope ? "course" : "user",
        targetId: "courseId" in scope ? scope.courseId : scope.userId,
        after: { ...outcome, by: "pnpm progress:rebuild" },
      });
      return outcome;
    });
    console.log(
      `${target.name}: ${rebuilt.learners} learners, ${rebuilt.lessonProgressRows} lesson and ${rebuilt.courseProgressRows} course progress rows rebuilt`,
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
