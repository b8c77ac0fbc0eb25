import type { Page } from "@playwright/test";
import { expectNoAxeViolations as scanWithAxe } from "../src/axe.ts";
import { crowdedCourse, waitingProgressRecompute } from "../src/database.ts";
import { expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

/** A suffix no other test (nor an earlier run of this one) uses: tests share one database. */
function unique(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/** Scans with axe once react-aria's announcements of finished actions have gone (see admin-settings.spec.ts). */
async function expectNoAxeViolations(page: Page): Promise<void> {
  await expect(page.locator('[aria-live] [role="img"]')).toHaveCount(0, { timeout: 10_000 });
  await scanWithAxe(page);
}

// Long flows on a shared, busy machine: several dialogs, each scanned with axe.
test.describe.configure({ timeout: 180_000 });

test.describe("admin console: courses", () => {
  // Publishing a course without lessons is refused by the API on purpose.
  test.use({ allowedConsoleErrors: [refusedRequest(400)] });

  test("Chloé builds a course by keyboard: a module, two lessons, a prerequisite, then publishes it", async ({
    page,
  }) => {
    const suffix = unique();
    const title = `Falls Prevention ${suffix}`;
    const code = `falls-${suffix}`;
    await page.goto("/admin/courses");
    await signIn(page, "chloe.admin@example.org");
    await expect(page).toHaveTitle("Courses · LearnOps Admin");
    await expect(page.getByRole("heading", { level: 1, name: "Courses" })).toBeVisible();
    const list = page.getByRole("table", { name: /courses?, by title/ });
    await expect(list.getByRole("link", { name: "Medication Safety", exact: true })).toBeVisible();
    await expectNoAxeViolations(page);

    // Counts by status are links to the rows they count: the demo catalogue has one draft.
    const byStatus = page.getByRole("navigation", { name: "Courses by status" });
    await byStatus.getByRole("link", { name: /^Draft/ }).click();
    await expect(page).toHaveURL(/status=draft/);
    await expect(page.getByRole("heading", { level: 2, name: "Draft courses" })).toBeVisible();
    await expect(list.getByRole("link", { name: "Safeguarding Adults", exact: true })).toBeVisible();
    await expect(list.getByRole("link", { name: "Medication Safety", exact: true })).toHaveCount(0);
    await byStatus.getByRole("link", { name: /^All/ }).click();

    // A new course, by keyboard: a wrong code is refused at its field first.
    await tabTo(page, page.getByRole("button", { name: "New course" }), 40);
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "New course" });
    await expect(dialog.getByLabel("Title")).toBeFocused();
    await page.keyboard.type(title);
    await page.keyboard.press("Tab");
    await expect(dialog.getByLabel("Code")).toBeFocused();
    await page.keyboard.type("Falls Prevention");
    await page.keyboard.press("Enter");
    await expect(dialog.getByLabel("Code")).toBeFocused();
    await expect(dialog.getByLabel("Code")).toHaveAccessibleDescription(
      /Error: Use lowercase letters, digits and single hyphens/,
    );
    await expectNoAxeViolations(page);
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type(code);
    await page.keyboard.press("Tab");
    await page.keyboard.type("Preventing falls in care homes: risk, environment and response.");
    // Enter in the summary starts a new line: the form is sent from its button.
    await tabTo(page, dialog.getByRole("button", { name: "Create course" }));
    await page.keyboard.press("Enter");

    // The course's page: a draft with nothing in it yet.
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    await expect(page).toHaveURL(/\/admin\/courses\?course=/);
    await expect(page.getByText("No modules yet")).toBeVisible();
    await expectNoAxeViolations(page);

    // Publishing an empty course is refused, and the refusal says why.
    await page.getByRole("button", { name: "Publish" }).press("Enter");
    await expect(page.getByRole("alert").filter({ hasText: "Not changed" })).toContainText(
      "Add at least one lesson before publishing the course",
    );

    // A module, by keyboard.
    const moduleTitle = page.getByLabel("New module’s title");
    await moduleTitle.focus();
    await page.keyboard.type("Assessing risk");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 3, name: "Module 1: Assessing risk" })).toBeVisible();
    await expect(moduleTitle).toHaveValue("");

    // Two lessons: a video, then a quiz that waits on it.
    await addLesson(page, "Assessing risk", {
      title: "Why people fall",
      kindKey: "v",
      url: "https://content.example.org/falls/why",
      provider: "Vimeo",
      minutes: "12",
    });
    await addLesson(page, "Assessing risk", {
      title: "Falls risk quiz",
      kindKey: "q",
      url: "https://content.example.org/falls/quiz",
      provider: "Forms",
      minutes: "10",
    });
    const lessons = page.getByRole("table", { name: "Lessons of Assessing risk, in order" });
    await expect(lessons.getByRole("row")).toHaveCount(3);
    await expect(lessons.getByRole("row").nth(1)).toContainText("Why people fall");
    await expect(lessons.getByRole("row").nth(1)).toContainText("Video");
    await expect(lessons.getByRole("row").nth(2)).toContainText("Falls risk quiz");
    await expect(lessons.getByRole("row").nth(2)).toContainText("Quiz");
    await expect(page.getByText("1 module, 2 lessons, about 22 min in all.")).toBeVisible();

    // Order: the quiz moves up, then back down, by keyboard.
    await page.getByRole("button", { name: "Move Falls risk quiz up" }).press("Enter");
    await expect(lessons.getByRole("row").nth(1)).toContainText("Falls risk quiz");
    await expect(page.getByRole("button", { name: "Move Falls risk quiz up" })).toHaveCount(0);
    await page.getByRole("button", { name: "Move Falls risk quiz down" }).press("Enter");
    await expect(lessons.getByRole("row").nth(1)).toContainText("Why people fall");

    // The quiz opens only after the video.
    await page.getByRole("button", { name: "Prerequisites of Falls risk quiz" }).press("Enter");
    const prerequisites = page.getByRole("dialog", { name: "Prerequisites of “Falls risk quiz”" });
    await expect(prerequisites.getByRole("checkbox", { name: "Falls risk quiz" })).toHaveCount(0);
    await prerequisites.getByRole("checkbox", { name: "Why people fall" }).focus();
    await page.keyboard.press("Space");
    await expectNoAxeViolations(page);
    await prerequisites.getByRole("button", { name: "Save prerequisites" }).press("Enter");
    await expect(prerequisites).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "now waits on" })).toHaveText(
      "“Falls risk quiz” now waits on 1 lesson.",
    );
    await expect(lessons.getByRole("row").nth(2)).toContainText("Required · after Why people fall");

    // Now it publishes.
    await page.getByRole("button", { name: "Publish" }).press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "Published" })).toHaveText(
      "Published: learners can find it in the catalogue.",
    );
    await expect(page.getByRole("definition").filter({ hasText: "Published" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Archive" })).toBeVisible();
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-course-editor.png"), fullPage: true });

    // Back in the list, it is counted with the published courses.
    await page.getByRole("link", { name: "← All courses" }).click();
    await page.getByLabel("Search by title or code").fill(suffix);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const row = page.getByRole("table", { name: "1 course, by title" }).getByRole("row").nth(1);
    await expect(row).toContainText(title);
    await expect(row).toContainText("Published");
    await expect(
      page.getByRole("navigation", { name: "Courses by status" }).getByRole("link", { name: /^Published/ }),
    ).toContainText("1");
  });

  test("Chloé adds a cohort to a course, with places and a deadline", async ({ page }) => {
    const suffix = unique();
    await page.goto("/admin/courses?search=medication");
    await signIn(page, "chloe.admin@example.org");
    await page.getByRole("link", { name: "Medication Safety", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Medication Safety" })).toBeVisible();
    const cohorts = page.getByRole("table", { name: /cohorts? of Medication Safety, soonest first/ });
    const autumn = cohorts.getByRole("row").filter({ hasText: "Autumn cohort" });
    await expect(autumn).toContainText("Ivan");
    await expect(autumn.getByRole("meter", { name: "Places taken in Autumn cohort" })).toBeVisible();
    await expect(autumn).toContainText(/\d+ of 30/);
    await expect(autumn).toContainText("Write an incident report");
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "New cohort" }).click();
    const dialog = page.getByRole("dialog", { name: "New cohort of Medication Safety" });
    const name = `Spring cohort ${suffix}`;
    await dialog.getByLabel("Name").fill(name);
    await dialog.getByLabel("Places (optional)").fill("12");
    await dialog.getByRole("checkbox", { name: "Ivan Petrov" }).check();
    await expectNoAxeViolations(page);
    await dialog.getByRole("button", { name: "Add cohort" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "Added the cohort" })).toHaveText(
      `Added the cohort “${name}”.`,
    );
    const spring = cohorts.getByRole("row").filter({ hasText: name });
    await expect(spring).toContainText("0 of 12");
    await expect(spring).toContainText("Ivan Petrov");

    await spring.getByRole("button", { name: `Set deadline for ${name}` }).click();
    const deadline = page.getByRole("dialog", { name: `Set a deadline in ${name}` });
    await deadline.getByLabel("Deadline for").selectOption({ label: "Assignment: Write an incident report" });
    // Before the cohort starts: refused at the field.
    await deadline.getByLabel("Due").fill("2020-01-01T17:00");
    await deadline.getByRole("button", { name: "Set deadline" }).click();
    await expect(deadline.getByLabel("Due")).toHaveAccessibleDescription(
      "Error: A deadline falls between the cohort's start and end",
    );
    const start = await spring.locator("time").first().getAttribute("datetime");
    const due = new Date(Date.parse(start ?? "") + 30 * 86_400_000);
    const local = `${due.getFullYear()}-${String(due.getMonth() + 1).padStart(2, "0")}-${String(due.getDate()).padStart(2, "0")}T17:00`;
    await deadline.getByLabel("Due").fill(local);
    await deadline.getByRole("button", { name: "Set deadline" }).click();
    await expect(deadline).toHaveCount(0);
    await expect(spring).toContainText("Write an incident report");
    await expectNoAxeViolations(page);

    // Editing it, from the keyboard: the form comes filled in with what the cohort has.
    await spring.getByRole("button", { name: `Edit ${name}` }).focus();
    await page.keyboard.press("Enter");
    const edit = page.getByRole("dialog", { name: `Edit ${name}` });
    await expect(edit.getByLabel("Name")).toHaveValue(name);
    await expect(edit.getByLabel("Places (optional)")).toHaveValue("12");
    await expect(edit.getByRole("checkbox", { name: "Ivan Petrov" })).toBeChecked();
    await expectNoAxeViolations(page);
    // Ending before its deadline is refused at the field, naming the deadline.
    const early = new Date(Date.parse(start ?? "") + 10 * 86_400_000);
    const earlyDay = `${early.getFullYear()}-${String(early.getMonth() + 1).padStart(2, "0")}-${String(early.getDate()).padStart(2, "0")}`;
    await edit.getByLabel("Ends on").fill(earlyDay);
    await edit.getByRole("button", { name: "Save cohort" }).press("Enter");
    await expect(edit.getByLabel("Ends on")).toHaveAccessibleDescription(
      /^Error: The deadline for Write an incident report \(\d{4}-\d{2}-\d{2}\) would fall outside the cohort/,
    );
    await expect(edit.getByLabel("Ends on")).toBeFocused();
    await edit.getByLabel("Ends on").fill(`${due.getFullYear() + 1}-01-31`);
    await edit.getByLabel("Name").fill(`${name} (extended)`);
    await edit.getByLabel("Places (optional)").fill("15");
    await edit.getByLabel("Places (optional)").press("Enter");
    await expect(edit).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "Saved the cohort" })).toHaveText(
      `Saved the cohort “${name} (extended)”.`,
    );
    const extended = cohorts.getByRole("row").filter({ hasText: `${name} (extended)` });
    await expect(extended).toContainText("0 of 15");
    await expect(extended).toContainText("Write an incident report");
    await expectNoAxeViolations(page);
  });

  test("while a course's learners are recomputed in the background, its page says so until it is done", async ({
    page,
  }) => {
    const title = await crowdedCourse("northwind-health", 3);
    const finish = await waitingProgressRecompute(title);
    await page.goto(`/admin/courses?search=${encodeURIComponent(title)}`);
    await signIn(page, "chloe.admin@example.org");
    await page.getByRole("link", { name: title, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    const note = page.getByRole("status").filter({ hasText: "Learners’ progress is being recomputed" });
    await expect(note).toHaveText(
      "Learners’ progress is being recomputed after the last change to this course: their percentages update learner by learner, in the background.",
    );
    await expectNoAxeViolations(page);
    // The page looks again every few seconds; once the job is done, the note goes.
    await finish();
    await expect(note).toHaveCount(0, { timeout: 15_000 });
  });

  test("works at 360 px wide: tables scroll in their own region, the page does not", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/admin/courses");
    await signIn(page, "chloe.admin@example.org");
    await expect(page.getByRole("table", { name: /courses?, by title/ })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expect(page.getByRole("region", { name: /courses?, by title/ })).toBeVisible();
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-courses-360.png"), fullPage: true });

    await page.getByRole("link", { name: "Infection Prevention and Control", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Infection Prevention and Control" })).toBeVisible();
    await expect(page.getByRole("table", { name: "Lessons of Foundations, in order" })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expect(page.getByRole("region", { name: "Lessons of Foundations, in order" })).toBeVisible();
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-course-360.png"), fullPage: true });

    await page.getByRole("button", { name: "Add lesson to Foundations" }).click();
    await expect(page.getByRole("dialog", { name: "Add a lesson to “Foundations”" })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
  });
});

test.describe("admin console: promotions and contracts", () => {
  test("Chloé creates a promotion code for a course, then ends it", async ({ page }) => {
    const code = `FALLS-${unique().toUpperCase()}`;
    await page.goto("/admin/promotions");
    await signIn(page, "chloe.admin@example.org");
    await expect(page).toHaveTitle("Promotions · LearnOps Admin");
    const table = page.getByRole("table", { name: /promotions?, latest ending first/ });
    await expect(table.getByRole("row").filter({ hasText: "WINTER-2026" })).toContainText("Active");
    await expect(table.getByRole("meter", { name: "Uses of WINTER-2026" })).toBeVisible();
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "New promotion" }).click();
    const dialog = page.getByRole("dialog", { name: "New promotion" });
    await dialog.getByLabel("Code").fill(code.toLowerCase());
    await dialog.getByLabel("Uses (optional)").fill("25");
    // No course yet: refused at the courses.
    await dialog.getByRole("button", { name: "Create promotion" }).click();
    await expect(dialog.getByText("A promotion opens at least one course")).toBeVisible();
    await dialog.getByRole("checkbox", { name: "Dementia Care Essentials" }).check();
    await expectNoAxeViolations(page);
    await dialog.getByRole("button", { name: "Create promotion" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "Created the promotion" })).toHaveText(
      `Created the promotion ${code}.`,
    );
    const row = table.getByRole("row").filter({ hasText: code });
    await expect(row).toContainText("Dementia Care Essentials");
    await expect(row).toContainText("0 of 25");
    await expect(row).toContainText("Active");

    await row.getByRole("button", { name: `End now ${code}` }).click();
    const confirm = page.getByRole("alertdialog", { name: `End ${code} now?` });
    await expect(confirm.getByRole("button", { name: "Keep it" })).toBeFocused();
    await confirm.getByRole("button", { name: "End promotion" }).click();
    await expect(confirm).toHaveCount(0);
    await expect(row).toContainText("Ended");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-promotions.png"), fullPage: true });
  });

  test("Chloé creates a contract for a client group and enrols its people under the demo contract", async ({
    page,
  }) => {
    const name = `Contoso pilot ${unique()}`;
    await page.goto("/admin/contracts");
    await signIn(page, "chloe.admin@example.org");
    await expect(page).toHaveTitle("Contracts · LearnOps Admin");
    const table = page.getByRole("table", { name: /contracts?, latest ending first/ });
    const demo = table.getByRole("row").filter({ hasText: "Contoso Clinics 2026–27" });
    await expect(demo).toContainText("Current");
    await expect(demo).toContainText("Dementia Care Essentials");
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "New contract" }).click();
    const dialog = page.getByRole("dialog", { name: "New contract" });
    await dialog.getByLabel("Name").fill(name);
    await dialog.getByLabel("Client group").selectOption({ label: "Contoso Clinics" });
    await dialog.getByRole("checkbox", { name: "Medication Safety" }).check();
    await expectNoAxeViolations(page);
    await dialog.getByRole("button", { name: "Create contract" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(table.getByRole("row").filter({ hasText: name })).toContainText("Current");

    // Ada, Contoso's learner, has Infection Prevention already: she is reported, not enrolled twice.
    await demo.getByRole("button", { name: "Enrol people under Contoso Clinics 2026–27" }).click();
    const enrol = page.getByRole("dialog", { name: "Enrol people of Contoso Clinics" });
    await enrol.getByLabel("Course").selectOption({ label: "Infection Prevention and Control" });
    await enrol.getByRole("checkbox", { name: /Ada Okafor/ }).check();
    await expectNoAxeViolations(page);
    await enrol.getByRole("button", { name: "Enrol 1 person" }).click();
    const results = page.getByRole("dialog", { name: "Enrolled under “Contoso Clinics 2026–27”" });
    await expect(results.getByRole("listitem")).toHaveText(["Already enrolled Ada Okafor"]);
    await page.screenshot({ path: test.info().outputPath("admin-contracts.png"), fullPage: true });
    await results.getByRole("button", { name: "Done" }).click();
    await expect(page.getByRole("status").filter({ hasText: "enrolled under" })).toHaveText(
      "0 people enrolled under “Contoso Clinics 2026–27”.",
    );
  });
});

/** Adds a lesson through the module's "Add lesson" dialog, by keyboard alone. */
async function addLesson(
  page: Page,
  moduleTitle: string,
  lesson: { title: string; kindKey: string; url: string; provider: string; minutes: string },
): Promise<void> {
  await page.getByRole("button", { name: `Add lesson to ${moduleTitle}` }).press("Enter");
  const dialog = page.getByRole("dialog", { name: `Add a lesson to “${moduleTitle}”` });
  await expect(dialog.getByLabel("Title")).toBeFocused();
  await page.keyboard.type(lesson.title);
  await page.keyboard.press("Tab");
  await expect(dialog.getByLabel("Kind")).toBeFocused();
  await page.keyboard.press(lesson.kindKey);
  await page.keyboard.press("Tab");
  await page.keyboard.type(lesson.url);
  await page.keyboard.press("Tab");
  await page.keyboard.type(lesson.provider);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.type(lesson.minutes);
  await page.keyboard.press("Enter");
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "Added the lesson" })).toHaveText(
    `Added the lesson “${lesson.title}” to “${moduleTitle}”.`,
  );
}
