import { z } from "zod";

const uuid = z.uuid();

export const courseStatus = z.enum(["draft", "published", "archived"]);
export type CourseStatus = z.infer<typeof courseStatus>;

export const lessonKind = z.enum(["video", "reading", "resource", "quiz", "assignment", "live_session"]);
export type LessonKind = z.infer<typeof lessonKind>;

/** A short, lowercase, hyphenated identifier for a course or program, unique in its institution. */
export const catalogueCode = z
  .string()
  .trim()
  .min(2, "A code has at least 2 characters")
  .max(60, "A code has at most 60 characters")
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "Use lowercase letters, digits and single hyphens, like ethics-101");

const title = z.string().trim().min(1, "Enter a title").max(200, "A title has at most 200 characters");

/** Where a lesson's content lives: LearnOps keeps the reference, the hosting tool keeps the content. */
export const contentReference = z.object({
  url: z
    .url({ protocol: /^https$/, message: "Enter the content's https:// address" })
    .max(2000, "A content address has at most 2,000 characters"),
  provider: z.string().trim().min(1, "Name the tool that hosts the content").max(100),
  externalId: z.string().trim().min(1).max(200).nullable().default(null),
});
export type ContentReference = z.infer<typeof contentReference>;

/**
 * The activity id (an IRI) external tools use for the lesson in xAPI statements, when it is not the lesson's
 * content address; unique in the institution. Null: statements are matched on the content address.
 */
export const xapiActivityId = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/, "Use the activity's IRI, like https://tool.example.org/activities/42")
  .refine(
    (value) => new TextEncoder().encode(value).length <= 2000,
    "An xAPI activity id has at most 2,000 bytes (fewer characters outside ASCII)",
  )
  .nullable();

const price = z
  .object({
    cents: z.number().int().min(0).max(100_000_000),
    currency: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{3}$/, "Use a three-letter ISO 4217 currency code, like GBP"),
  })
  .nullable();

export const createCourseInput = z.object({
  code: catalogueCode,
  title,
  summary: z.string().trim().max(2000).default(""),
  price: price.default(null),
  accessDays: z.number().int().min(1).max(3650).nullable().default(null),
});
export type CreateCourseInput = z.infer<typeof createCourseInput>;

export const updateCourseInput = z.object({
  courseId: uuid,
  title: title.optional(),
  summary: z.string().trim().max(2000).optional(),
  status: courseStatus.optional(),
  price: price.optional(),
  accessDays: z.number().int().min(1).max(3650).nullable().optional(),
});
export type UpdateCourseInput = z.infer<typeof updateCourseInput>;

export const courseIdInput = z.object({ courseId: uuid });
export const lessonIdInput = z.object({ lessonId: uuid });
export const moduleIdInput = z.object({ moduleId: uuid });

export const listCoursesInput = z.object({
  status: courseStatus.optional(),
  search: z.string().trim().max(200).optional(),
});

export const addModuleInput = z.object({ courseId: uuid, title, position: z.number().int().min(0).optional() });
export const updateModuleInput = z.object({
  moduleId: uuid,
  title: title.optional(),
  position: z.number().int().min(0).optional(),
});

export const addLessonInput = z.object({
  moduleId: uuid,
  title,
  kind: lessonKind,
  content: contentReference,
  xapiActivityId: xapiActivityId.default(null),
  durationMinutes: z.number().int().min(1).max(10000).nullable().default(null),
  required: z.boolean().default(true),
  position: z.number().int().min(0).optional(),
});
export type AddLessonInput = z.infer<typeof addLessonInput>;

export const updateLessonInput = z.object({
  lessonId: uuid,
  title: title.optional(),
  kind: lessonKind.optional(),
  content: contentReference.optional(),
  xapiActivityId: xapiActivityId.optional(),
  durationMinutes: z.number().int().min(1).max(10000).nullable().optional(),
  required: z.boolean().optional(),
  position: z.number().int().min(0).optional(),
});

/** Replaces the prerequisites of a lesson or a module: what must be completed before it opens. */
export const setPrerequisitesInput = z.discriminatedUnion("of", [
  z.object({ of: z.literal("lesson"), id: uuid, requiredIds: z.array(uuid).max(50) }),
  z.object({ of: z.literal("module"), id: uuid, requiredIds: z.array(uuid).max(50) }),
]);
export type SetPrerequisitesInput = z.infer<typeof setPrerequisitesInput>;

export const lessonView = z.object({
  id: uuid,
  moduleId: uuid,
  position: z.number().int(),
  title: z.string(),
  kind: lessonKind,
  content: z.object({ url: z.string(), provider: z.string(), externalId: z.string().nullable() }),
  xapiActivityId: z.string().nullable(),
  durationMinutes: z.number().int().nullable(),
  required: z.boolean(),
  prerequisiteLessonIds: z.array(uuid),
});
export type LessonView = z.infer<typeof lessonView>;

export const moduleView = z.object({
  id: uuid,
  position: z.number().int(),
  title: z.string(),
  prerequisiteModuleIds: z.array(uuid),
  lessons: z.array(lessonView),
});
export type ModuleView = z.infer<typeof moduleView>;

export const courseSummary = z.object({
  id: uuid,
  code: z.string(),
  title: z.string(),
  summary: z.string(),
  status: courseStatus,
  price: z.object({ cents: z.number().int(), currency: z.string() }).nullable(),
  accessDays: z.number().int().nullable(),
  moduleCount: z.number().int(),
  lessonCount: z.number().int(),
});
export type CourseSummary = z.infer<typeof courseSummary>;

export const courseDetail = courseSummary.extend({ modules: z.array(moduleView) });
export type CourseDetail = z.infer<typeof courseDetail>;

export const createProgramInput = z.object({
  code: catalogueCode,
  title,
  courseIds: z.array(uuid).max(100).default([]),
});
export const updateProgramInput = z.object({
  programId: uuid,
  title: title.optional(),
  status: courseStatus.optional(),
  courseIds: z.array(uuid).max(100).optional(),
});
