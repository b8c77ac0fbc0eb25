import type { Database } from "@learnops/db/client";
import { cohortHasRoom } from "@learnops/domain/enrolment";
import { TRPCError } from "@trpc/server";
import { notFound } from "./trpc.ts";

/**
 * Checks shared by the ways people get into a course on their own or through their employer (checkout,
 * promotions, corporate contracts): the course must be open, and a chosen cohort must be one of its
 * offerings with a place left.
 */

/** A published course of the transaction's institution; NOT_FOUND for another's, BAD_REQUEST when not open. */
export async function openCourse(db: Database, courseId: string) {
  const course = await db
    .selectFrom("courses")
    .select(["id", "code", "title", "status", "price_cents", "currency", "access_days"])
    .where("id", "=", courseId)
    .executeTakeFirst();
  if (!course) throw notFound("Course");
  if (course.status !== "published") {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `courseId: ${course.title} is ${course.status === "archived" ? "archived" : "not published yet"}, so nobody can enrol in it`,
    });
  }
  return course;
}

/**
 * The cohort, checked to be an offering of the course, open for enrolment now, with a place left, and, when
 * it is reserved for one client group, that this enrolment is for that group.
 */
export async function cohortWithRoom(
  db: Database,
  cohortId: string,
  courseId: string,
  now: Date,
  forClientGroupId: string | null,
) {
  const cohort = await db
    .selectFrom("cohorts")
    .select([
      "id",
      "name",
      "course_id",
      "capacity",
      "client_group_id",
      "enrolment_opens_at",
      "enrolment_closes_at",
      "ends_at",
    ])
    .where("id", "=", cohortId)
    // Counting under a lock on the cohort row: two enrolments for the last place cannot both see room.
    .forUpdate()
    .executeTakeFirst();
  if (!cohort) throw notFound("Cohort");
  if (cohort.course_id !== courseId) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "cohortId: this cohort is not an offering of the course" });
  }
  if (cohort.enrolment_opens_at && now < cohort.enrolment_opens_at) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `cohortId: enrolment in ${cohort.name} opens on ${cohort.enrolment_opens_at.toISOString().slice(0, 10)}`,
    });
  }
  if ((cohort.enrolment_closes_at && cohort.enrolment_closes_at <= now) || cohort.ends_at <= now) {
    throw new TRPCError({ code: "BAD_REQUEST", message: `cohortId: enrolment in ${cohort.name} has closed` });
  }
  if (cohort.client_group_id && cohort.client_group_id !== forClientGroupId) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `cohortId: ${cohort.name} is reserved for another client group`,
    });
  }
  await refuseFullCohort(db, cohort);
  return cohort;
}

/** The enrolments that hold a place in a cohort: every one but those cancelled or expired. */
export const placeTakingStatuses = ["pending", "active", "suspended", "review_required", "completed"] as const;

/** How many places of a cohort are taken. */
export async function placesTaken(db: Database, cohortId: string): Promise<number> {
  const { count } = await db
    .selectFrom("enrolments")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("cohort_id", "=", cohortId)
    .where("status", "in", placeTakingStatuses)
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * CONFLICT when the cohort has no place left. Call it with the cohort's row locked (`forUpdate`), so two
 * enrolments for the last place cannot both see room.
 */
export async function refuseFullCohort(db: Database, cohort: { id: string; name: string; capacity: number | null }) {
  const full = cohortHasRoom(cohort, await placesTaken(db, cohort.id));
  if (full) throw new TRPCError({ code: "CONFLICT", message: full });
}

/** Why a learner cannot have another enrolment in the course, in their words. */
export function alreadyEnrolled(course: { title: string }, live: { status: string; source: string }): TRPCError {
  const message =
    live.status === "pending" && live.source === "payment"
      ? `Your purchase of ${course.title} is waiting for payment already`
      : `You are already enrolled in ${course.title} (${live.status.replace("_", " ")})`;
  return new TRPCError({ code: "CONFLICT", message });
}
