// Data a benchmark needs, written the way the platform writes it: people and memberships as the owner (as
// the demo data does), sessions as the application role through the API's own startSession.
import { startSession } from "@learnops/api/sessions";
import { sessionCookieName } from "@learnops/auth/session-cookie";
import { loadDemoData } from "@learnops/db/demo-data";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { withTenant, withUser } from "@learnops/db/tenancy";
import type { Stack } from "./stack.ts";

export interface SeededLearner {
  userId: string;
  membershipId: string;
  /** `learnops_session=<token>`: the Cookie header of this learner's own session. */
  cookie: string;
}

/** The demo institutions, then `count` learners of one of them, each signed in with a session of their own. */
export async function seedLearners(
  stack: Stack,
  { institutionSlug, count }: { institutionSlug: string; count: number },
): Promise<{ institutionId: string; learners: SeededLearner[] }> {
  await loadDemoData(stack.ownerDb);
  const institution = await stack.ownerDb
    .selectFrom("institutions")
    .select("id")
    .where("slug", "=", institutionSlug)
    .executeTakeFirstOrThrow();
  const users = await stack.ownerDb
    .insertInto("users")
    .values(
      Array.from({ length: count }, (_, i) => ({
        email: `bench.learner.${i + 1}@bench.example.org`,
        display_name: `Bench Learner ${i + 1}`,
        email_verified_at: new Date(),
      })),
    )
    .returning("id")
    .execute();
  await stack.ownerDb
    .insertInto("memberships")
    .values(users.map((user) => ({ institution_id: institution.id, user_id: user.id, role: "learner" })))
    .execute();

  const learners: SeededLearner[] = [];
  for (const { id: userId } of users) {
    const membership = (await withUser(stack.appDb, userId, (trx) => listOwnMemberships(trx, userId)))[0];
    if (!membership) throw new Error(`seeded learner ${userId} has no membership`);
    const { token } = await startSession(
      stack.appDb,
      { userId, membership, ip: "127.0.0.1", userAgent: "learnops-bench" },
      new Date(),
    );
    learners.push({ userId, membershipId: membership.id, cookie: `${sessionCookieName}=${token}` });
  }
  return { institutionId: institution.id, learners };
}

/**
 * Actively enrols the learners in one published course of the demo catalogue (a manual grant, open-ended)
 * and returns its lessons' ids in course order.
 */
export async function enrolLearners(
  stack: Stack,
  { institutionId, courseCode, learnerIds }: { institutionId: string; courseCode: string; learnerIds: string[] },
): Promise<string[]> {
  return withTenant(stack.ownerDb, { institutionId }, async (trx) => {
    const course = await trx
      .selectFrom("courses")
      .select(["id", "status"])
      .where("code", "=", courseCode)
      .executeTakeFirstOrThrow(() => new Error(`the demo catalogue has no course ${courseCode}`));
    if (course.status !== "published") throw new Error(`course ${courseCode} is ${course.status}, not published`);
    await trx
      .insertInto("enrolments")
      .values(
        learnerIds.map((userId) => ({
          institution_id: institutionId,
          user_id: userId,
          course_id: course.id,
          source: "manual_grant",
          status: "active",
          status_reason: "Benchmark learner",
        })),
      )
      .execute();
    const lessons = await trx
      .selectFrom("lessons")
      .innerJoin("modules", "modules.id", "lessons.module_id")
      .select("lessons.id")
      .where("lessons.course_id", "=", course.id)
      .orderBy("modules.position")
      .orderBy("lessons.position")
      .execute();
    if (lessons.length === 0) throw new Error(`course ${courseCode} has no lessons`);
    return lessons.map((lesson) => lesson.id);
  });
}
