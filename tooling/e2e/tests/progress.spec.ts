import type { Locator, Page, TestInfo } from "@playwright/test";
import pg from "pg";
import { expectNoAxeViolations as scanWithAxe } from "../src/axe.ts";
import { addPerson, crowdedCourse, enrol, uniqueAddress } from "../src/database.ts";
import { expect, horizontalOverflow, signIn, tabTo, test } from "../src/test.ts";

// Each test walks several pages and scans each with axe: on a busy machine that outlasts the default 30 s.
test.describe.configure({ timeout: 120_000 });

/** Scans with axe once react-aria's announcements of finished actions have gone (see admin-settings.spec.ts). */
async function expectNoAxeViolations(page: Page): Promise<void> {
  await expect(page.locator('[aria-live] [role="img"]')).toHaveCount(0, { timeout: 10_000 });
  await scanWithAxe(page);
}

/** Saves what the page looks like now, for people to look at: test-results/<test>/<name>.png. */
async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

function courseCard(page: Page, title: string): Locator {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 2, name: title, exact: true }) });
}

const dementia = "Dementia Care Essentials";

test.describe("a learner's progress", () => {
  test("at 360 px and by keyboard alone: open a lesson, mark it complete, see the progress bar move", async ({
    page,
  }, testInfo) => {
    const person = await addPerson({
      email: uniqueAddress("progress.learner"),
      displayName: "Pia Progress",
      institutionSlug: "northwind-health",
      role: "learner",
    });
    await enrol(person.email, "northwind-health", "dementia-care");
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/learn/northwind-health");
    await signIn(page, person.email);
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeFocused();

    const card = courseCard(page, dementia);
    await expect(card.getByRole("progressbar")).toHaveAccessibleName(
      `Progress in ${dementia}: 0 of 3 lessons completed`,
    );
    await expect(card).toContainText("Next lesson What dementia is, and is not");
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "my-courses-360");

    // To the course page, then to its reading, by keyboard.
    const courseLink = card.getByRole("link", { name: dementia, exact: true });
    await tabTo(page, courseLink, 40);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1, name: dementia })).toBeFocused();
    const reading = page.getByRole("link", { name: "Communicating with care", exact: true });
    await tabTo(page, reading, 40);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1, name: "Communicating with care" })).toBeFocused();
    await expect(page.getByRole("link", { name: /Read it in .* \(opens in a new tab\)/ })).toBeVisible();
    const bar = page.locator(".lesson-progress").getByRole("progressbar");
    await expect(bar).toHaveAccessibleName(`Progress in ${dementia}: 0 of 3 lessons completed`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "lesson-before-360");

    const mark = page.getByRole("button", { name: "Mark complete" });
    await tabTo(page, mark, 40);
    await page.keyboard.press("Enter");
    await expect(page.locator(".lesson-completed")).toBeFocused();
    await expect(page.locator(".lesson-completed")).toContainText("Marked complete");
    await expect(bar).toHaveAccessibleName(`Progress in ${dementia}: 1 of 3 lessons completed`);
    await expect(bar).toHaveAttribute("aria-valuenow", "33");
    await expect(page.getByRole("button", { name: "Mark complete" })).toHaveCount(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "lesson-after-360");

    // The course page ticks it, and My courses shows the new progress.
    await page.getByRole("link", { name: dementia, exact: true }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: dementia })).toBeVisible();
    await expect(page.locator(".lesson").filter({ hasText: "Communicating with care" })).toContainText("Completed");
    await page.getByRole("navigation", { name: "Learning" }).getByRole("link", { name: "My courses" }).click();
    await expect(courseCard(page, dementia).getByRole("progressbar")).toHaveAccessibleName(
      `Progress in ${dementia}: 1 of 3 lessons completed`,
    );
    await expect(courseCard(page, dementia).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "33");
  });

  test("Ada's home lists a missed deadline and an assignment to pass; a quiz shows attempts", async ({
    page,
  }, testInfo) => {
    // My courses asks for everything in one request: no course outline per card.
    const requested: string[] = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith("/trpc/")) requested.push(...path.slice("/trpc/".length).split(","));
    });
    await page.goto("/learn/northwind-health");
    await signIn(page, "ada.learner@example.org");
    const comingUp = page.getByRole("region", { name: "Coming up" });
    await expect(comingUp).toBeVisible();
    await expect(courseCard(page, "Medication Safety").getByRole("progressbar")).toBeVisible();
    expect(requested.filter((procedure) => procedure === "dashboard.summary")).toHaveLength(1);
    expect(requested.filter((procedure) => procedure === "courses.outline")).toEqual([]);
    const overdue = comingUp.getByRole("listitem").filter({ hasText: "Overdue" });
    await expect(overdue).toContainText("Medication Safety");
    await expect(comingUp.getByRole("listitem").filter({ hasText: "Audit your ward" })).toContainText(
      "Infection Prevention and Control",
    );
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "coming-up");

    await courseCard(page, "Infection Prevention and Control")
      .getByRole("link", { name: /^Continue/ })
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "Standard precautions quiz" })).toBeVisible();
    const results = page.locator(".quiz-results");
    // The demo has Ada fail her first go at the quiz, at 60%.
    await expect(results).toContainText("Best score60%");
    await expect(results).toContainText("Attempts1");
    await expect(page.getByRole("button", { name: "Mark complete" })).toHaveCount(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "quiz-lesson");
  });
});

test.describe("the admin console's Progress section", () => {
  test("Chloe reads the four reports, filters by course and loads more", async ({ page }, testInfo) => {
    const crowded = await crowdedCourse("northwind-health", 30);
    await page.goto("/admin/progress");
    await signIn(page, "chloe.admin@example.org");
    await expect(page).toHaveTitle("Progress · LearnOps Admin");
    await expect(page.getByRole("heading", { level: 1, name: "Progress" })).toBeVisible();
    const tabs = page.getByRole("navigation", { name: "Progress reports" });
    await expect(tabs.getByRole("link", { name: "Incomplete learners" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByRole("table", { name: /least progress first/ })).toBeVisible();
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "incomplete");

    // One course: 30 learners, 25 a page, then the rest.
    await page.getByLabel("Course", { exact: true }).selectOption({ label: crowded });
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page.getByText("30 learners, 25 shown")).toBeVisible();
    const table = page.getByRole("table", { name: /least progress first/ });
    await expect(table.getByRole("row")).toHaveCount(26);
    await page.getByRole("button", { name: "Load more learners" }).click();
    await expect(table.getByRole("row")).toHaveCount(31);
    await expect(page.getByRole("button", { name: /Load more/ })).toHaveCount(0);
    await expect(page.locator(".report-count")).toHaveText("30 learners");
    await expectNoAxeViolations(page);

    // Stalled: enrolled 20 days ago, nothing since; a longer wait finds nobody, and says what to try.
    await tabs.getByRole("link", { name: "Stalled learners" }).click();
    await expect(page.getByRole("heading", { level: 2, name: /no activity for 14 days or more/ })).toBeVisible();
    await expect(page.getByText("30 learners, 25 shown")).toBeVisible();
    await page.getByLabel("No activity for at least (days)").fill("40");
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page.getByText("Nobody has stopped for 40 days or more")).toBeVisible();
    await expectNoAxeViolations(page);

    // Overdue deadlines and cohorts over every course.
    await page.goto("/admin/progress?view=overdue");
    await expect(page.getByRole("table", { name: /longest overdue first/ })).toContainText("Ada Okafor");
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "overdue");
    await tabs.getByRole("link", { name: "Cohort completion" }).click();
    const cohorts = page.getByRole("table", { name: /newest cohort first/ });
    await expect(cohorts).toContainText("Autumn cohort");
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "cohorts");
  });

  test("a client manager sees only their client group's learners, at 360 px", async ({ page }, testInfo) => {
    const email = uniqueAddress("progress.manager");
    await addPerson({ email, displayName: "Cory Contoso", institutionSlug: "northwind-health", role: "learner" });
    const client = new pg.Client({
      connectionString: `postgres://learnops:learnops@127.0.0.1:${process.env.LEARNOPS_E2E_PG_PORT}/learnops`,
    });
    await client.connect();
    try {
      await client.query(
        `update memberships set role = 'client_manager',
                client_group_id = (select id from client_groups
                                    where name = 'Contoso Clinics' and institution_id = memberships.institution_id)
          where user_id = (select id from users where email = $1)`,
        [email],
      );
    } finally {
      await client.end();
    }
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/admin/progress");
    await signIn(page, email);
    await expect(page.getByRole("heading", { level: 1, name: "Progress" })).toBeVisible();
    await expect(page.getByRole("heading", { level: 2, name: "Incomplete learners" })).toBeVisible();
    // Crowd learners of other tests belong to no client group: never listed here.
    await expect(page.getByText(/Crowd Learner/)).toHaveCount(0);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await screenshot(page, testInfo, "client-manager-360");
  });
});
