import { createHash } from "node:crypto";
import type { Transaction } from "kysely";
import type { Database } from "./client.ts";
import type { LessonProgressRow } from "./queries/progress.ts";
import { setPasswordHash } from "./queries/users.ts";
import type { DB } from "./schema.ts";
import { withTenant } from "./tenancy.ts";

/**
 * The demo catalogue: courses with every lesson kind, a program, cohorts, a corporate contract, a promotion,
 * and enrolments from every source and in every status, so each access decision can be seen in the apps.
 * Dates are relative to the first load. Loaded once per institution: a course code that exists already
 * means the institution's catalogue was loaded (and perhaps edited since), and it is left alone.
 */

type LessonKind = "video" | "reading" | "resource" | "quiz" | "assignment" | "live_session";

interface DemoLesson {
  key: string;
  title: string;
  kind: LessonKind;
  minutes?: number;
  requires?: readonly string[];
}

interface DemoCourse {
  code: string;
  title: string;
  summary: string;
  status: "draft" | "published" | "archived";
  price?: { cents: number; currency: string };
  accessDays?: number;
  /** The course's completion rules (`courses.settings.completion`, see packages/contracts' completionRules). */
  completion: Record<string, unknown>;
  modules: readonly { key: string; title: string; requires?: readonly string[]; lessons: readonly DemoLesson[] }[];
}

const day = 86_400_000;

const northwindCourses: readonly DemoCourse[] = [
  {
    code: "infection-control",
    title: "Infection Prevention and Control",
    summary: "Standard precautions, hand hygiene and outbreak response for everyone who works in care.",
    status: "published",
    price: { cents: 14900, currency: "GBP" },
    accessDays: 365,
    completion: {
      minimumQuizPercent: 70,
      liveSessionMinimumMinutes: 45,
      videoWatchedFraction: 0.9,
      assignmentsMustPass: true,
    },
    modules: [
      {
        key: "foundations",
        title: "Foundations",
        lessons: [
          { key: "why", title: "Why infection control matters", kind: "video", minutes: 12 },
          { key: "precautions", title: "Standard precautions", kind: "reading", minutes: 20 },
          { key: "poster", title: "Hand hygiene poster", kind: "resource" },
        ],
      },
      {
        key: "practice",
        title: "In practice",
        requires: ["foundations"],
        lessons: [
          { key: "quiz", title: "Standard precautions quiz", kind: "quiz", minutes: 15, requires: ["precautions"] },
          { key: "live", title: "Live Q&A with an infection prevention nurse", kind: "live_session", minutes: 60 },
          { key: "audit", title: "Audit your ward", kind: "assignment", minutes: 90, requires: ["quiz"] },
        ],
      },
    ],
  },
  {
    code: "medication-safety",
    title: "Medication Safety",
    summary: "A twelve-week cohort on safe administration, errors and reporting, with a tutor.",
    status: "published",
    completion: { requiredLessons: { minimumShare: 0.75 }, videoWatchedFraction: 0.8, assignmentsMustPass: true },
    modules: [
      {
        key: "principles",
        title: "Principles of safe administration",
        lessons: [
          { key: "rights", title: "The rights of medication administration", kind: "video", minutes: 18 },
          { key: "reading", title: "Reading a prescription chart", kind: "reading", minutes: 25 },
        ],
      },
      {
        key: "errors",
        title: "Errors and reporting",
        lessons: [
          { key: "case", title: "Case study: a near miss", kind: "reading", minutes: 30 },
          { key: "report", title: "Write an incident report", kind: "assignment", minutes: 60 },
        ],
      },
    ],
  },
  {
    code: "dementia-care",
    title: "Dementia Care Essentials",
    summary: "Person-centred care for people living with dementia, for care-home teams.",
    status: "published",
    accessDays: 180,
    completion: { minimumQuizPercent: 80, videoWatchedFraction: 0.9 },
    modules: [
      {
        key: "understanding",
        title: "Understanding dementia",
        lessons: [
          { key: "intro", title: "What dementia is, and is not", kind: "video", minutes: 15 },
          { key: "communication", title: "Communicating with care", kind: "reading", minutes: 20 },
          { key: "check", title: "Check your understanding", kind: "quiz", minutes: 10 },
        ],
      },
    ],
  },
  {
    code: "safeguarding-adults",
    title: "Safeguarding Adults",
    summary: "Being written: recognising and reporting abuse and neglect.",
    status: "draft",
    completion: {},
    modules: [
      {
        key: "recognise",
        title: "Recognising abuse",
        lessons: [{ key: "types", title: "Types of abuse", kind: "reading", minutes: 20 }],
      },
    ],
  },
  {
    code: "manual-handling-2019",
    title: "Manual Handling (2019 edition)",
    summary: "Replaced by the 2026 edition.",
    status: "archived",
    completion: { videoWatchedFraction: 0.9 },
    modules: [
      {
        key: "lifting",
        title: "Safe lifting",
        lessons: [{ key: "video", title: "Safe lifting techniques", kind: "video", minutes: 10 }],
      },
    ],
  },
];

const acmeCourses: readonly DemoCourse[] = [
  {
    code: "anti-bribery",
    title: "Anti-Bribery and Corruption",
    summary: "What the UK Bribery Act asks of every employee, in forty minutes.",
    status: "published",
    accessDays: 90,
    completion: { minimumQuizPercent: 75, videoWatchedFraction: 0.9 },
    modules: [
      {
        key: "law",
        title: "The law",
        lessons: [
          { key: "act", title: "The Bribery Act in brief", kind: "video", minutes: 14 },
          { key: "gifts", title: "Gifts and hospitality", kind: "reading", minutes: 12 },
          { key: "quiz", title: "Assessment", kind: "quiz", minutes: 15, requires: ["gifts"] },
        ],
      },
    ],
  },
];

const lakesideCourses: readonly DemoCourse[] = [
  {
    code: "study-skills",
    title: "Study Skills for College",
    summary: "Free for every Lakeside learner: planning, note-taking and academic writing.",
    status: "published",
    completion: { videoWatchedFraction: 0.5 },
    modules: [
      {
        key: "planning",
        title: "Planning your week",
        lessons: [
          { key: "plan", title: "Make a study plan", kind: "reading", minutes: 15 },
          { key: "notes", title: "Taking notes that work", kind: "video", minutes: 11 },
        ],
      },
    ],
  },
];

/** Learners whose enrolments show the statuses the demo people's do not (they are not in the start banner). */
const demoLearners = [
  { email: "leo.learner@example.org", displayName: "Leo Martins" },
  { email: "nina.learner@example.org", displayName: "Nina Kowalski" },
  { email: "omar.learner@example.org", displayName: "Omar Haddad" },
  { email: "priya.learner@example.org", displayName: "Priya Sharma" },
  { email: "quinn.learner@example.org", displayName: "Quinn Adeyemi" },
  { email: "ravi.learner@example.org", displayName: "Ravi Patel" },
] as const;

type Ids = {
  courses: Map<string, string>;
  modules: Map<string, string>;
  lessons: Map<string, string>;
  /** Each lesson's module id, by the lesson's key. */
  lessonModules: Map<string, string>;
};

async function insertCourses(
  trx: Transaction<DB>,
  institutionId: string,
  courses: readonly DemoCourse[],
): Promise<Ids> {
  const ids: Ids = { courses: new Map(), modules: new Map(), lessons: new Map(), lessonModules: new Map() };
  for (const course of courses) {
    const { id: courseId } = await trx
      .insertInto("courses")
      .values({
        institution_id: institutionId,
        code: course.code,
        title: course.title,
        summary: course.summary,
        status: course.status,
        price_cents: course.price?.cents ?? null,
        currency: course.price?.currency ?? null,
        access_days: course.accessDays ?? null,
        settings: JSON.stringify({ completion: course.completion }),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids.courses.set(course.code, courseId);
    for (const [modulePosition, module] of course.modules.entries()) {
      const { id: moduleId } = await trx
        .insertInto("modules")
        .values({ institution_id: institutionId, course_id: courseId, position: modulePosition, title: module.title })
        .returning("id")
        .executeTakeFirstOrThrow();
      ids.modules.set(`${course.code}/${module.key}`, moduleId);
      for (const required of module.requires ?? []) {
        await trx
          .insertInto("module_prerequisites")
          .values({
            institution_id: institutionId,
            course_id: courseId,
            module_id: moduleId,
            required_module_id: ids.modules.get(`${course.code}/${required}`) ?? "",
          })
          .execute();
      }
      for (const [position, lesson] of module.lessons.entries()) {
        const { id: lessonId } = await trx
          .insertInto("lessons")
          .values({
            institution_id: institutionId,
            course_id: courseId,
            module_id: moduleId,
            position,
            title: lesson.title,
            kind: lesson.kind,
            content_url: `https://content.example.org/${course.code}/${module.key}/${lesson.key}`,
            content_provider:
              lesson.kind === "video" ? "Vimeo" : lesson.kind === "live_session" ? "Zoom" : "SharePoint",
            content_external_id: `${course.code}-${lesson.key}`,
            duration_minutes: lesson.minutes ?? null,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        ids.lessons.set(`${course.code}/${lesson.key}`, lessonId);
        ids.lessonModules.set(`${course.code}/${lesson.key}`, moduleId);
        for (const required of lesson.requires ?? []) {
          await trx
            .insertInto("lesson_prerequisites")
            .values({
              institution_id: institutionId,
              course_id: courseId,
              lesson_id: lessonId,
              required_lesson_id: ids.lessons.get(`${course.code}/${required}`) ?? "",
            })
            .execute();
        }
      }
    }
  }
  return ids;
}

async function catalogueLoaded(trx: Transaction<DB>, code: string): Promise<boolean> {
  return Boolean(await trx.selectFrom("courses").select("id").where("code", "=", code).executeTakeFirst());
}

/** Adds a learner membership (and the account, when new); returns the user id. */
async function learner(
  trx: Transaction<DB>,
  institutionId: string,
  person: { email: string; displayName: string },
  passwordHash: string | undefined,
  clientGroupId: string | null = null,
): Promise<string> {
  const existing = await trx.selectFrom("users").select("id").where("email", "=", person.email).executeTakeFirst();
  const userId =
    existing?.id ??
    (
      await trx
        .insertInto("users")
        .values({ email: person.email, display_name: person.displayName, email_verified_at: new Date() })
        .returning("id")
        .executeTakeFirstOrThrow()
    ).id;
  if (!existing && passwordHash) await setPasswordHash(trx, userId, passwordHash);
  await trx
    .insertInto("memberships")
    .values({ institution_id: institutionId, user_id: userId, role: "learner", client_group_id: clientGroupId })
    .onConflict((oc) => oc.columns(["institution_id", "user_id", "role"]).doNothing())
    .execute();
  return userId;
}

const userIdOf = async (trx: Transaction<DB>, email: string) =>
  (await trx.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;

export async function loadDemoCatalogue(
  db: Database,
  institutionIds: Readonly<Record<"northwind-health" | "acme-compliance" | "lakeside-college", string>>,
  options: { passwordHash?: string; now?: Date } = {},
): Promise<void> {
  const now = options.now ?? new Date();
  const at = (days: number) => new Date(now.getTime() + days * day);
  const onDay = (days: number) => at(days).toISOString().slice(0, 10);

  const northwind = institutionIds["northwind-health"];
  await withTenant(db, { institutionId: northwind }, async (trx) => {
    if (await catalogueLoaded(trx, "infection-control")) return;
    const ids = await insertCourses(trx, northwind, northwindCourses);
    const course = (code: string) => ids.courses.get(code) ?? "";
    const lesson = (key: string) => ids.lessons.get(key) ?? "";

    const program = await trx
      .insertInto("programs")
      .values({ institution_id: northwind, code: "care-certificate", title: "Care Certificate", status: "published" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("program_courses")
      .values(
        ["infection-control", "medication-safety", "dementia-care"].map((code, position) => ({
          institution_id: northwind,
          program_id: program.id,
          course_id: course(code),
          position,
        })),
      )
      .execute();

    const ivan = await userIdOf(trx, "ivan.instructor@example.org");
    const [current, next] = await trx
      .insertInto("cohorts")
      .values([
        {
          institution_id: northwind,
          course_id: course("medication-safety"),
          name: "Autumn cohort",
          starts_at: at(-30),
          ends_at: at(54),
          enrolment_closes_at: at(-23),
          capacity: 30,
        },
        {
          institution_id: northwind,
          course_id: course("medication-safety"),
          name: "Winter cohort",
          starts_at: at(20),
          ends_at: at(104),
          enrolment_opens_at: at(-10),
          enrolment_closes_at: at(27),
          capacity: 30,
        },
      ])
      .returning("id")
      .execute();
    if (!current || !next) throw new Error("the demo cohorts were not created");
    await trx
      .insertInto("cohort_instructors")
      .values([current, next].map((cohort) => ({ institution_id: northwind, cohort_id: cohort.id, user_id: ivan })))
      .execute();
    await trx
      .insertInto("cohort_deadlines")
      .values([
        {
          institution_id: northwind,
          cohort_id: current.id,
          course_id: course("medication-safety"),
          module_id: ids.modules.get("medication-safety/principles") ?? null,
          due_at: at(-2),
        },
        {
          institution_id: northwind,
          cohort_id: current.id,
          course_id: course("medication-safety"),
          lesson_id: lesson("medication-safety/report"),
          due_at: at(12),
        },
      ])
      .execute();

    const contoso = await trx
      .selectFrom("client_groups")
      .select("id")
      .where("name", "=", "Contoso Clinics")
      .executeTakeFirstOrThrow();
    const contract = await trx
      .insertInto("client_contracts")
      .values({
        institution_id: northwind,
        client_group_id: contoso.id,
        name: "Contoso Clinics 2026–27",
        starts_on: onDay(-60),
        ends_on: onDay(300),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("client_contract_courses")
      .values(
        ["dementia-care", "infection-control"].map((code) => ({
          institution_id: northwind,
          contract_id: contract.id,
          course_id: course(code),
        })),
      )
      .execute();

    const promotion = await trx
      .insertInto("promotions")
      .values({
        institution_id: northwind,
        code: "WINTER-2026",
        description: "Winter campaign: 90 days of Infection Prevention and Control",
        max_uses: 100,
        uses: 1,
        valid_from: at(-14),
        valid_until: at(45),
        access_days: 90,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("promotion_courses")
      .values({ institution_id: northwind, promotion_id: promotion.id, course_id: course("infection-control") })
      .execute();

    const chloe = await userIdOf(trx, "chloe.admin@example.org");
    const ada = await userIdOf(trx, "ada.learner@example.org");
    const morgan = await userIdOf(trx, "morgan.lee@example.org");
    const extra: string[] = [];
    for (const person of demoLearners) extra.push(await learner(trx, northwind, person, options.passwordHash));
    const [leo, nina, omar, priya, quinn, ravi] = extra;

    const enrolment = (values: Omit<Parameters<typeof insertEnrolment>[1], "institution_id">) =>
      insertEnrolment(trx, { institution_id: northwind, ...values });
    await enrolment({
      user_id: ada,
      course_id: course("dementia-care"),
      source: "corporate_contract",
      status: "active",
      contract_id: contract.id,
      client_group_id: contoso.id,
      expires_at: at(150),
    });
    await enrolment({
      user_id: ada,
      course_id: course("infection-control"),
      source: "payment",
      status: "active",
      payment_state: "paid",
      payment_state_since: at(-40),
      expires_at: at(325),
    });
    await enrolment({
      user_id: ada,
      course_id: course("medication-safety"),
      cohort_id: current.id,
      source: "manual_grant",
      status: "active",
      created_by: chloe,
      status_reason: "Funded place for the Autumn cohort",
    });
    await enrolment({
      user_id: morgan,
      course_id: course("infection-control"),
      source: "payment",
      status: "pending",
      payment_state: "pending",
      payment_state_since: at(-2),
    });
    await enrolment({
      user_id: morgan,
      course_id: course("medication-safety"),
      cohort_id: next.id,
      source: "import",
      status: "active",
    });
    await enrolment({
      user_id: leo ?? "",
      course_id: course("dementia-care"),
      source: "sso_provisioning",
      status: "expired",
      expires_at: at(-5),
    });
    await enrolment({
      user_id: nina ?? "",
      course_id: course("infection-control"),
      source: "admin_override",
      status: "suspended",
      created_by: chloe,
      status_reason: "Placement paused while her employer confirms funding",
    });
    await enrolment({
      user_id: omar ?? "",
      course_id: course("infection-control"),
      source: "promotion",
      status: "completed",
      promotion_id: promotion.id,
      expires_at: at(76),
      completed_at: at(-3),
    });
    await enrolment({
      user_id: priya ?? "",
      course_id: course("dementia-care"),
      source: "manual_grant",
      status: "cancelled",
      created_by: chloe,
      status_reason: "Enrolled by mistake; moved to Medication Safety",
    });
    await enrolment({
      user_id: quinn ?? "",
      course_id: course("medication-safety"),
      cohort_id: current.id,
      source: "import",
      status: "review_required",
      status_reason: "Imported with an email address that differs from the employer's roster",
    });
    await enrolment({
      user_id: ravi ?? "",
      course_id: course("infection-control"),
      source: "payment",
      status: "active",
      payment_state: "refunded",
      payment_state_since: at(-6),
    });
    await trx
      .insertInto("promotion_redemptions")
      .values({
        institution_id: northwind,
        promotion_id: promotion.id,
        user_id: omar ?? "",
        enrolment_id: (
          await trx
            .selectFrom("enrolments")
            .select("id")
            .where("user_id", "=", omar ?? "")
            .executeTakeFirstOrThrow()
        ).id,
        redeemed_at: at(-14),
      })
      .execute();
    // Leo's access ended, but an administrator let him back in for a week while his renewal is processed.
    await trx
      .insertInto("access_overrides")
      .values({
        institution_id: northwind,
        user_id: leo ?? "",
        course_id: course("dementia-care"),
        effect: "allow",
        reason: "Renewal paid by phone; invoice on its way",
        starts_at: at(-1),
        expires_at: at(6),
        created_by: chloe,
      })
      .execute();

    // Ada finished the Foundations module of Infection Prevention and Control ("In practice" is open to her)
    // and failed her first go at its quiz; in Dementia Care she has watched part of the first video. Her
    // progress is in the event log, with the projections its fold gives (`pnpm progress:rebuild` rebuilds
    // the same rows from the events).
    await insertDemoProgress(trx, {
      institutionId: northwind,
      userId: ada,
      at,
      course: (code) => course(code),
      lesson: (key) => lesson(key),
      moduleOf: (key) => ids.lessonModules.get(key) ?? "",
    });
  });

  const acme = institutionIds["acme-compliance"];
  await withTenant(db, { institutionId: acme }, async (trx) => {
    if (await catalogueLoaded(trx, "anti-bribery")) return;
    const ids = await insertCourses(trx, acme, acmeCourses);
    const globex = await trx
      .selectFrom("client_groups")
      .select("id")
      .where("name", "=", "Globex Corporation")
      .executeTakeFirstOrThrow();
    const contract = await trx
      .insertInto("client_contracts")
      .values({
        institution_id: acme,
        client_group_id: globex.id,
        name: "Globex compliance 2027",
        starts_on: onDay(-30),
        ends_on: onDay(335),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("client_contract_courses")
      .values({ institution_id: acme, contract_id: contract.id, course_id: ids.courses.get("anti-bribery") ?? "" })
      .execute();
  });

  const lakeside = institutionIds["lakeside-college"];
  await withTenant(db, { institutionId: lakeside }, async (trx) => {
    if (await catalogueLoaded(trx, "study-skills")) return;
    await insertCourses(trx, lakeside, lakesideCourses);
  });
}

function insertEnrolment(
  trx: Transaction<DB>,
  values: {
    institution_id: string;
    user_id: string;
    course_id: string;
    source: string;
    status: string;
    cohort_id?: string;
    payment_state?: string;
    payment_state_since?: Date;
    expires_at?: Date;
    client_group_id?: string;
    contract_id?: string;
    promotion_id?: string;
    status_reason?: string;
    created_by?: string;
    completed_at?: Date;
  },
) {
  return trx.insertInto("enrolments").values(values).returning("id").executeTakeFirstOrThrow();
}

interface DemoEvent {
  lesson: string;
  type: "video_progress" | "lesson_completed" | "resource_downloaded" | "quiz_attempted";
  day: number;
  video?: { position: number; duration: number; ranges: [number, number][] };
  quiz?: { score: number; maxScore: number; passed: boolean };
}

/**
 * Ada's recorded progress: events in the log and the lesson and course progress rows their fold gives under
 * the demo courses' completion rules (infection control: quizzes at 70%, videos at 90%). Written out here
 * because this package cannot run the fold (packages/domain); the progress tests rebuild the demo's
 * projections from these events and expect these very rows.
 */
async function insertDemoProgress(
  trx: Transaction<DB>,
  params: {
    institutionId: string;
    userId: string;
    at: (days: number) => Date;
    course: (code: string) => string;
    lesson: (key: string) => string;
    moduleOf: (key: string) => string;
  },
): Promise<void> {
  const { institutionId, userId, at } = params;
  const events: DemoEvent[] = [
    {
      lesson: "infection-control/why",
      type: "video_progress",
      day: -21,
      video: { position: 400, duration: 720, ranges: [[0, 400]] },
    },
    {
      lesson: "infection-control/why",
      type: "video_progress",
      day: -20,
      video: { position: 720, duration: 720, ranges: [[380, 720]] },
    },
    { lesson: "infection-control/precautions", type: "lesson_completed", day: -19 },
    { lesson: "infection-control/poster", type: "resource_downloaded", day: -18 },
    {
      lesson: "infection-control/quiz",
      type: "quiz_attempted",
      day: -2,
      quiz: { score: 6, maxScore: 10, passed: false },
    },
    {
      lesson: "dementia-care/intro",
      type: "video_progress",
      day: -1,
      video: { position: 360, duration: 900, ranges: [[0, 360]] },
    },
  ];
  await trx
    .insertInto("progress_events")
    .values(
      events.map((event, index) => {
        const payload = {
          type: event.type,
          lesson: event.lesson,
          day: event.day,
          video: event.video,
          quiz: event.quiz,
        };
        return {
          institution_id: institutionId,
          user_id: userId,
          course_id: params.course(event.lesson.split("/")[0] ?? ""),
          module_id: params.moduleOf(event.lesson),
          lesson_id: params.lesson(event.lesson),
          type: event.type,
          occurred_at: at(event.day),
          received_at: at(event.day),
          source: "portal",
          idempotency_key: `demo-progress-${index + 1}`,
          payload_sha256: createHash("sha256").update(JSON.stringify(payload)).digest("hex"),
          position_seconds: event.video?.position ?? null,
          duration_seconds: event.video?.duration ?? null,
          watched_ranges: event.video ? JSON.stringify(event.video.ranges) : null,
          score: event.quiz?.score ?? null,
          max_score: event.quiz?.maxScore ?? null,
          passed: event.quiz?.passed ?? null,
        };
      }),
    )
    .execute();

  /** What a projection holds besides its keys, dates and event count: nothing, until a row says otherwise. */
  const none: Omit<
    LessonProgressRow,
    | "institution_id"
    | "user_id"
    | "course_id"
    | "lesson_id"
    | "started_at"
    | "completed_at"
    | "last_activity_at"
    | "event_count"
    | "updated_at"
  > = {
    watched_seconds: null,
    duration_seconds: null,
    watched_fraction: null,
    last_position_seconds: null,
    best_score: null,
    best_max_score: null,
    best_score_percent: null,
    quiz_attempts: 0,
    live_minutes: null,
    downloaded_at: null,
    assignment_passed_at: null,
    watched_ranges: "[]",
  };
  const row = (
    key: string,
    values: Partial<typeof none> & { started: number; completed: number | null; last: number; events: number },
  ) => {
    const { started, completed, last, events: eventCount, ...rest } = values;
    return {
      institution_id: institutionId,
      user_id: userId,
      course_id: params.course(key.split("/")[0] ?? ""),
      lesson_id: params.lesson(key),
      started_at: at(started),
      completed_at: completed === null ? null : at(completed),
      last_activity_at: at(last),
      event_count: eventCount,
      ...none,
      ...rest,
    };
  };
  await trx
    .insertInto("lesson_progress")
    .values([
      row("infection-control/why", {
        started: -21,
        completed: -20,
        last: -20,
        events: 2,
        watched_seconds: 720,
        duration_seconds: 720,
        watched_fraction: 1,
        last_position_seconds: 720,
        watched_ranges: JSON.stringify([[0, 720]]),
      }),
      row("infection-control/precautions", { started: -19, completed: -19, last: -19, events: 1 }),
      row("infection-control/poster", { started: -18, completed: -18, last: -18, events: 1, downloaded_at: at(-18) }),
      row("infection-control/quiz", {
        started: -2,
        completed: null,
        last: -2,
        events: 1,
        best_score: 6,
        best_max_score: 10,
        best_score_percent: 60,
        quiz_attempts: 1,
      }),
      row("dementia-care/intro", {
        started: -1,
        completed: null,
        last: -1,
        events: 1,
        watched_seconds: 360,
        duration_seconds: 900,
        watched_fraction: 0.4,
        last_position_seconds: 360,
        watched_ranges: JSON.stringify([[0, 360]]),
      }),
    ])
    .execute();
  // Infection control: the three Foundations lessons of six required ones; Dementia Care: none of three yet.
  await trx
    .insertInto("course_progress")
    .values([
      {
        institution_id: institutionId,
        user_id: userId,
        course_id: params.course("infection-control"),
        percent: 50,
        lesson_count: 6,
        completed_lessons: 3,
        required_lessons: 6,
        completed_required_lessons: 3,
        last_activity_at: at(-2),
        completed_at: null,
      },
      {
        institution_id: institutionId,
        user_id: userId,
        course_id: params.course("dementia-care"),
        percent: 0,
        lesson_count: 3,
        completed_lessons: 0,
        required_lessons: 3,
        completed_required_lessons: 0,
        last_activity_at: at(-1),
        completed_at: null,
      },
    ])
    .execute();
}
