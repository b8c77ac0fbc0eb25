import type { Locator, Page, TestInfo } from "@playwright/test";
import { expectNoAxeViolations } from "../src/axe.ts";
import { addPerson, uniqueAddress } from "../src/database.ts";
import { expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

// Ada and Morgan are only read here (their demo enrolments and progress); the tests that buy a course or
// redeem a code do it as a person of their own.

// Each test walks several pages and scans each with axe: on a busy machine that outlasts the default 30 s.
test.describe.configure({ timeout: 90_000 });

const ipc = "Infection Prevention and Control";

async function signInAtNorthwind(page: Page, email: string): Promise<void> {
  await page.goto("/learn/northwind-health");
  await signIn(page, email);
  await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeVisible();
}

/** The card of one course on "My courses" or in the catalogue. */
function courseCard(page: Page, title: string): Locator {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 2, name: title, exact: true }) });
}

/** The titles of the courses the catalogue lists now, in order. */
function courseTitles(page: Page): Locator {
  return page.locator(".course-cards").first().getByRole("heading", { level: 2 });
}

/** A lesson's row on a course page. */
function lessonRow(page: Page, title: string): Locator {
  return page.locator(".lesson").filter({ has: page.getByText(title, { exact: true }) });
}

/** Saves what the page looks like now, for people to look at: test-results/<test>/<name>.png. */
async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

test.describe("My courses", () => {
  test("Ada sees each course with its progress, and opens her next lesson by keyboard alone", async ({
    page,
  }, testInfo) => {
    await page.goto("/learn/northwind-health");
    await signIn(page, "ada.learner@example.org");
    await expect(page).toHaveURL(/\/learn\/$/);
    await expect(page).toHaveTitle("My courses · LearnOps");
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeFocused();
    await expect(
      page.getByRole("navigation", { name: "Learning" }).getByRole("link", { name: "My courses" }),
    ).toHaveAttribute("aria-current", "page");

    const infection = courseCard(page, ipc);
    await expect(infection.getByText("Active")).toBeVisible();
    // Foundations is complete: 3 of the course's 6 lessons.
    const bar = infection.getByRole("progressbar");
    await expect(bar).toHaveAccessibleName(`Progress in ${ipc}: 3 of 6 lessons completed`);
    await expect(bar).toHaveAttribute("aria-valuenow", "50");
    await expect(infection).toContainText(/Open until \w+/);
    await expect(infection).toContainText("Next lesson Standard precautions quiz");

    const dementia = courseCard(page, "Dementia Care Essentials");
    await expect(dementia.getByRole("progressbar")).toHaveAccessibleName(/0 of 3 lessons completed$/);
    await expect(dementia.getByRole("link", { name: "Start Dementia Care Essentials" })).toBeVisible();
    const medication = courseCard(page, "Medication Safety");
    await expect(medication).toContainText("Autumn cohort");
    await expect(medication.getByRole("link", { name: "Start Medication Safety" })).toBeVisible();
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "my-courses");

    const next = infection.getByRole("link", { name: `Continue ${ipc}` });
    await tabTo(page, next, 40);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/learn\/courses\/[0-9a-f-]{36}\/lessons\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1, name: "Standard precautions quiz" })).toBeFocused();
    await expect(page).toHaveTitle("Standard precautions quiz · LearnOps");
    await expect(page.getByText(`In practice, ${ipc}`)).toBeVisible();
    await expect(page.getByRole("heading", { level: 2, name: "Quiz · 15 min" })).toBeVisible();

    // The content stays in the tool that hosts it: a link to it, in a new tab, saying which tool.
    const open = page.getByRole("link", { name: "Take the quiz in SharePoint (opens in a new tab)" });
    await tabTo(page, open);
    await expect(open).toHaveAttribute("href", "https://content.example.org/infection-control/practice/quiz");
    await expect(open).toHaveAttribute("target", "_blank");
    await expect(open).toHaveAttribute("rel", /\bnoopener\b/);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "lesson-open");

    // And back to the course, by keyboard too.
    await page.keyboard.press("Shift+Tab");
    const back = page.getByRole("link", { name: ipc, exact: true });
    await tabTo(page, back, 40);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1, name: ipc })).toBeFocused();
  });

  test("a locked lesson says what to complete first, on the course page and when opened", async ({
    page,
  }, testInfo) => {
    await signInAtNorthwind(page, "ada.learner@example.org");
    await courseCard(page, ipc).getByRole("link", { name: ipc, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: ipc })).toBeFocused();
    await expect(page).toHaveTitle(`${ipc} · LearnOps`);

    // Modules in order, each with its progress.
    await expect(page.getByRole("heading", { level: 2 })).toHaveText([
      "Your place in this course",
      "Module 1 Foundations",
      "Module 2 In practice",
    ]);
    const foundations = page.getByRole("region", { name: "Module 1 Foundations" });
    await expect(foundations.getByRole("progressbar")).toHaveAccessibleName(/3 of 3 lessons completed$/);
    await expect(lessonRow(page, "Why infection control matters")).toContainText("Video · 12 min");
    await expect(lessonRow(page, "Why infection control matters")).toContainText("Completed");
    const practice = page.getByRole("region", { name: "Module 2 In practice" });
    await expect(practice.getByRole("progressbar")).toHaveAccessibleName(/0 of 3 lessons completed$/);
    await expect(lessonRow(page, "Live Q&A with an infection prevention nurse")).toContainText("Live session · 1 h");

    const audit = lessonRow(page, "Audit your ward");
    await expect(audit).toContainText("Assignment · 1 h 30 min");
    await expect(audit).toContainText("Locked: Complete Standard precautions quiz first");
    await expect(audit.getByRole("link")).toHaveCount(0);
    await expect(lessonRow(page, "Standard precautions quiz").getByRole("link")).toHaveText(
      "Standard precautions quiz",
    );
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "course");

    // Opened by its address, the lesson asks the access engine and shows the same reason, with a way back.
    const courseId = new URL(page.url()).pathname.split("/")[3] ?? "";
    const auditId = await lessonIdOf(page, courseId, "Audit your ward");
    await page.goto(`/learn/courses/${courseId}/lessons/${auditId}`);
    await expect(page.getByRole("heading", { level: 1, name: "Audit your ward" })).toBeVisible();
    await expect(page.locator(".access-reason")).toHaveText(
      "This lesson is locked. Complete Standard precautions quiz first",
    );
    await expect(page.getByRole("link", { name: /opens in a new tab/ })).toHaveCount(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "lesson-locked");
    await page.getByRole("link", { name: `Back to ${ipc}` }).click();
    await expect(page.getByRole("heading", { level: 1, name: ipc })).toBeFocused();
  });

  test("Morgan sees why his courses do not open: a payment pending, a cohort not started", async ({
    page,
  }, testInfo) => {
    await signInAtNorthwind(page, "morgan.lee@example.org");

    const infection = courseCard(page, ipc);
    await expect(infection.getByText("Awaiting payment")).toBeVisible();
    await expect(infection.locator(".access-reason")).toHaveText(/^Payment pending since \d{4}-\d{2}-\d{2}$/);
    await expect(infection.getByRole("link", { name: /^(Start|Continue)/ })).toHaveCount(0);

    const medication = courseCard(page, "Medication Safety");
    await expect(medication).toContainText("Winter cohort");
    await expect(medication.getByText("Not started yet")).toBeVisible();
    await expect(medication.locator(".access-reason")).toHaveText(/^Winter cohort starts on \d{4}-\d{2}-\d{2}$/);
    await expect(medication.getByRole("link", { name: /^(Start|Continue)/ })).toHaveCount(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "my-courses-not-open");

    // The course page says it once at the top; its lessons are locked, and nothing offers to sell it again.
    await infection.getByRole("link", { name: ipc, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: ipc })).toBeFocused();
    await expect(page.locator(".course-overview .access-reason")).toHaveText(/^Payment pending since /);
    await expect(lessonRow(page, "Standard precautions")).toContainText("Locked");
    await expect(page.getByRole("link", { name: "Standard precautions" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Buy for/ })).toHaveCount(0);
    await expectNoAxeViolations(page);
  });

  test("switching to another institution on a course page leads to My courses there", async ({ page }) => {
    // Switching changes this session only: other tests' sign-ins as Morgan choose their own membership.
    await signInAtNorthwind(page, "morgan.lee@example.org");
    await courseCard(page, ipc).getByRole("link", { name: ipc, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: ipc })).toBeVisible();

    await page
      .getByRole("banner")
      .getByRole("button", { name: /Acting as/ })
      .click();
    await page.getByRole("option", { name: /Lakeside Community College/ }).click();
    await expect(page).toHaveURL(/\/learn\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeVisible();
    await expect(page.getByText("Your courses with Lakeside Community College")).toBeVisible();
    await expect(page.getByText("You are not enrolled in any course yet")).toBeVisible();
    await expect(page.getByRole("alert")).toHaveCount(0);
  });

  test("every other state of an enrolment reads in words, with the reason when the course does not open", async ({
    page,
  }) => {
    // Six sign-ins in turn.
    test.setTimeout(180_000);
    const learners = [
      // Expired, but an administrator let Leo back in for a week.
      { email: "leo.learner@example.org", course: "Dementia Care Essentials", badge: "Open for now", reason: null },
      {
        email: "nina.learner@example.org",
        course: ipc,
        badge: "Suspended",
        reason: "Your enrolment is suspended: Placement paused while her employer confirms funding",
      },
      { email: "omar.learner@example.org", course: ipc, badge: "Completed", reason: null },
      {
        email: "priya.learner@example.org",
        course: "Dementia Care Essentials",
        badge: "Cancelled",
        reason: "Your enrolment was cancelled: Enrolled by mistake; moved to Medication Safety",
      },
      {
        email: "quinn.learner@example.org",
        course: "Medication Safety",
        badge: "Being reviewed",
        reason: /^Your enrolment is being reviewed by staff: Imported with an email address/,
      },
      { email: "ravi.learner@example.org", course: ipc, badge: "Refunded", reason: /^Payment refunded since / },
    ];
    for (const learner of learners) {
      await signInAtNorthwind(page, learner.email);
      const card = courseCard(page, learner.course);
      await expect(card.locator(".status-badge"), learner.email).toHaveText(learner.badge);
      if (learner.reason) {
        await expect(card.locator(".access-reason"), learner.email).toHaveText(learner.reason);
        await expect(card.getByRole("link", { name: /^(Start|Continue|Review)/ })).toHaveCount(0);
      } else {
        await expect(card.locator(".access-reason"), learner.email).toHaveCount(0);
      }
      if (learner.badge === "Completed") {
        // A completed course is looked back over rather than started again.
        await expect(card.getByRole("link", { name: `Review the course ${learner.course}` })).toBeVisible();
      }
      await expectNoAxeViolations(page);
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await expect(page.getByLabel("Email address")).toBeVisible();
    }
  });

  test("someone with no course is pointed to the catalogue", async ({ page }) => {
    const person = await addPerson({
      email: uniqueAddress("new-learner"),
      displayName: "Nell Newcomer",
      institutionSlug: "northwind-health",
      role: "learner",
    });
    await signInAtNorthwind(page, person.email);
    await expect(page.getByText("You are not enrolled in any course yet")).toBeVisible();
    await expectNoAxeViolations(page);
    await page.locator(".empty-state").getByRole("link", { name: "course catalogue" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Course catalogue" })).toBeFocused();
    await expect(courseCard(page, ipc).getByText("Not enrolled")).toBeVisible();
  });
});

test.describe("catalogue", () => {
  test("lists the published courses with length, price and Ada's place, and searches them", async ({
    page,
  }, testInfo) => {
    await signInAtNorthwind(page, "ada.learner@example.org");
    await page.getByRole("navigation", { name: "Learning" }).getByRole("link", { name: "Course catalogue" }).click();
    await expect(page).toHaveURL(/\/learn\/courses$/);
    await expect(page.getByRole("heading", { level: 1, name: "Course catalogue" })).toBeFocused();
    await expect(page).toHaveTitle("Course catalogue · LearnOps");

    // Published courses only: the draft and the archived one are not offered. (Other tests publish courses
    // of their own at Northwind while this one runs, so the demo's three are looked for among them.)
    await expect(courseTitles(page)).toContainText(["Dementia Care Essentials", ipc, "Medication Safety"], {
      useInnerText: true,
    });
    await expect(courseTitles(page).filter({ hasText: /Safeguarding Adults|Manual Handling/ })).toHaveCount(0);
    const infection = courseCard(page, ipc);
    await expect(infection).toContainText("Standard precautions, hand hygiene and outbreak response");
    await expect(infection).toContainText("Length2 modules · 6 lessons");
    await expect(infection).toContainText("Price£149.00");
    await expect(infection).toContainText("Access365 days");
    await expect(infection.getByText("Enrolled", { exact: false })).toBeVisible();
    await expect(courseCard(page, "Dementia Care Essentials")).toContainText("PriceIncluded");
    // A program groups courses in the order they are taken.
    const programs = page.getByRole("region", { name: "Programs" });
    await expect(programs.getByRole("heading", { level: 3 })).toHaveText(["Care Certificate"]);
    await expect(programs.getByRole("listitem").getByRole("link")).toHaveText([
      ipc,
      "Medication Safety",
      "Dementia Care Essentials",
    ]);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "catalogue");

    const search = page.getByRole("searchbox", { name: "Search courses" });
    await search.fill("dementia");
    await search.press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "found" })).toHaveText("1 course found for “dementia”.");
    await expect(courseTitles(page)).toHaveText(["Dementia Care Essentials"]);
    await expect(page).toHaveURL(/\/learn\/courses\?search=dementia$/);
    // A search narrows the courses; programs show with the whole list.
    await expect(page.getByRole("region", { name: "Programs" })).toHaveCount(0);
    await expectNoAxeViolations(page);

    // Back from a course found, the same search is shown.
    await courseCard(page, "Dementia Care Essentials")
      .getByRole("link", { name: "Dementia Care Essentials", exact: true })
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "Dementia Care Essentials" })).toBeVisible();
    await page.goBack();
    await expect(search).toHaveValue("dementia");
    await expect(courseTitles(page)).toHaveText(["Dementia Care Essentials"]);

    await search.fill("astrophysics");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page.getByText("No course matches “astrophysics”")).toBeVisible();
    await page.getByRole("button", { name: "show every course" }).click();
    await expect(search).toBeFocused();
    await expect(search).toHaveValue("");
    await expect(courseTitles(page)).toContainText(["Dementia Care Essentials", ipc, "Medication Safety"]);
    await expect(page.getByRole("region", { name: "Programs" })).toBeVisible();
  });
});

test.describe("joining a course", () => {
  test("a learner buys a course: the place is reserved until the payment is confirmed", async ({ page }) => {
    const person = await addPerson({
      email: uniqueAddress("buyer"),
      displayName: "Bea Buyer",
      institutionSlug: "northwind-health",
      role: "learner",
    });
    await signInAtNorthwind(page, person.email);
    await page.goto("/learn/courses");
    await courseCard(page, ipc).getByRole("link", { name: ipc, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: ipc })).toBeFocused();
    await expect(page.locator(".course-overview .access-reason")).toHaveText(`You are not enrolled in ${ipc}`);
    await expect(lessonRow(page, "Why infection control matters")).toContainText("Locked");
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Buy for £149.00" }).click();
    const outcome = page.getByText(`Your place in ${ipc} is reserved.`);
    await expect(outcome).toBeFocused();
    await expect(outcome).toContainText("once your payment of £149.00 is confirmed");
    await expect(page.locator(".course-overview .access-reason")).toHaveText(
      /^Payment pending since \d{4}-\d{2}-\d{2}$/,
    );
    await expect(page.getByRole("button", { name: /^Buy for/ })).toHaveCount(0);
    await expectNoAxeViolations(page);

    await page.getByRole("link", { name: "My courses" }).first().click();
    await expect(courseCard(page, ipc).getByText("Awaiting payment")).toBeVisible();
  });

  test.describe("with a promotion code", () => {
    test.use({ allowedConsoleErrors: [refusedRequest(404)] });

    test("a wrong code is refused at its field; the right one opens the course", async ({ page }, testInfo) => {
      const person = await addPerson({
        email: uniqueAddress("redeemer"),
        displayName: "Remy Redeemer",
        institutionSlug: "northwind-health",
        role: "learner",
      });
      await signInAtNorthwind(page, person.email);
      await page.goto("/learn/courses");
      await courseCard(page, ipc).getByRole("link", { name: ipc, exact: true }).click();
      await expect(page.getByRole("heading", { level: 1, name: ipc })).toBeFocused();

      const toggle = page.getByRole("button", { name: "Have a promotion code?" });
      await expect(toggle).toHaveAttribute("aria-expanded", "false");
      await toggle.click();
      await expect(toggle).toHaveAttribute("aria-expanded", "true");
      const field = page.getByLabel("Promotion code");
      await field.fill("NOT-A-CODE");
      await page.getByRole("button", { name: "Redeem the code" }).click();
      await expect(field).toBeFocused();
      await expect(field).toHaveAttribute("aria-invalid", "true");
      await expect(field).toHaveAccessibleDescription(/No promotion with the code NOT-A-CODE/);
      await expect(page.getByText(/Reference for support: [0-9a-f-]{36}/)).toBeVisible();
      await expectNoAxeViolations(page);
      await screenshot(page, testInfo, "course-join");

      await field.fill("winter-2026");
      await page.getByRole("button", { name: "Redeem the code" }).click();
      const outcome = page.getByText(`Code redeemed: ${ipc} is open to you until`);
      await expect(outcome).toBeFocused();
      await expect(page.getByRole("link", { name: "Start with Why infection control matters" })).toBeVisible();
      await expect(lessonRow(page, "Why infection control matters").getByRole("link")).toBeVisible();
      await expectNoAxeViolations(page);
    });
  });
});

test.describe("addresses that name nothing", () => {
  // The 404s are the point of the test; the browser logs them.
  test.use({ allowedConsoleErrors: [refusedRequest(404)] });

  test("a course or lesson that does not exist says so, with the request id to quote", async ({ page }) => {
    await signInAtNorthwind(page, "ada.learner@example.org");
    await page.goto("/learn/courses/00000000-0000-4000-8000-000000000000");
    await expect(page.getByRole("heading", { level: 1, name: "This course could not be opened" })).toBeVisible();
    const alert = page.getByRole("alert");
    await expect(alert).toContainText(/Course .*not found/i);
    await expect(alert).toContainText(/Reference for support: [0-9a-f-]{36}/);
    await expect(alert.getByRole("button")).toHaveCount(0);
    await expectNoAxeViolations(page);

    // An address cut short is not even sent to the API.
    await page.goto("/learn/courses/infection-cont");
    await expect(page.getByRole("heading", { level: 1, name: "There is no course at this address" })).toBeVisible();
    await expectNoAxeViolations(page);

    await page.getByRole("link", { name: "My courses" }).first().click();
    await courseCard(page, ipc).getByRole("link", { name: ipc, exact: true }).click();
    const courseId = new URL(page.url()).pathname.split("/")[3] ?? "";
    await page.goto(`/learn/courses/${courseId}/lessons/00000000-0000-4000-8000-000000000000`);
    await expect(page.getByRole("heading", { level: 1, name: "This lesson could not be opened" })).toBeVisible();
    await expect(page.getByRole("alert")).toContainText(/Lesson .*not found/i);
    await expectNoAxeViolations(page);
    await page.getByRole("link", { name: ipc, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: ipc })).toBeFocused();
  });
});

test.describe("at 360 px wide", () => {
  test.use({ viewport: { width: 360, height: 780 } });

  test("every course page fits without sideways scrolling and passes axe", async ({ page }, testInfo) => {
    await signInAtNorthwind(page, "ada.learner@example.org");
    await expect(courseCard(page, ipc).getByRole("progressbar")).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "my-courses-360");

    await page.getByRole("link", { name: "Course catalogue" }).click();
    await expect(courseCard(page, ipc)).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "catalogue-360");

    await courseCard(page, ipc).getByRole("link", { name: ipc, exact: true }).click();
    await expect(lessonRow(page, "Audit your ward")).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "course-360");

    await lessonRow(page, "Standard precautions quiz").getByRole("link").click();
    await expect(page.getByRole("heading", { level: 1, name: "Standard precautions quiz" })).toBeVisible();
    await expect(page.getByRole("link", { name: /opens in a new tab/ })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "lesson-360");
  });
});

test.describe("joining at 360 px wide, by keyboard", () => {
  test.use({ viewport: { width: 360, height: 780 } });

  test("the promotion code form opens, is filled in and sent from the keyboard", async ({ page }, testInfo) => {
    const person = await addPerson({
      email: uniqueAddress("phone-redeemer"),
      displayName: "Pia Phone",
      institutionSlug: "northwind-health",
      role: "learner",
    });
    await signInAtNorthwind(page, person.email);
    await page.goto("/learn/courses");
    await courseCard(page, ipc).getByRole("link", { name: ipc, exact: true }).click();
    await expect(page.getByRole("button", { name: "Buy for £149.00" })).toBeVisible();

    await tabTo(page, page.getByRole("button", { name: "Have a promotion code?" }), 40);
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("Promotion code")).toBeFocused();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "course-join-360");

    await page.keyboard.type("WINTER-2026");
    await page.keyboard.press("Enter");
    await expect(page.getByText(`Code redeemed: ${ipc} is open to you until`)).toBeFocused();
    const start = page.getByRole("link", { name: "Start with Why infection control matters" });
    await tabTo(page, start, 40);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1, name: "Why infection control matters" })).toBeFocused();
    await expect(page.getByRole("link", { name: "Watch the video in Vimeo (opens in a new tab)" })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });
});

/** A lesson's id from the course's outline, as the API gives it to the signed-in learner. */
async function lessonIdOf(page: Page, courseId: string, title: string): Promise<string> {
  const input = encodeURIComponent(JSON.stringify({ courseId }));
  const response = await page.request.get(`/trpc/courses.outline?input=${input}`);
  expect(response.ok()).toBe(true);
  const body = (await response.json()) as {
    result: { data: { modules: { lessons: { id: string; title: string }[] }[] } };
  };
  const lesson = body.result.data.modules.flatMap((module) => module.lessons).find((each) => each.title === title);
  if (!lesson) throw new Error(`no lesson "${title}" in the course`);
  return lesson.id;
}
