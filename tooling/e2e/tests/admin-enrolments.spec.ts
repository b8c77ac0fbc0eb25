import type { Locator, Page } from "@playwright/test";
import pg from "pg";
import { expectNoAxeViolations as scanWithAxe } from "../src/axe.ts";
import { addPerson, uniqueAddress } from "../src/database.ts";
import { expect, horizontalOverflow, refusedRequest, signIn, test } from "../src/test.ts";

/** Scans with axe once react-aria's announcements of finished actions have gone (see admin-settings.spec.ts). */
async function expectNoAxeViolations(page: Page): Promise<void> {
  await expect(page.locator('[aria-live] [role="img"]')).toHaveCount(0, { timeout: 10_000 });
  await scanWithAxe(page);
}

/**
 * A client manager of Contoso Clinics of this test's own: Kim's sessions are ended by another test, and
 * `addPerson` gives no client group (which a client manager must have), so the membership is made one here.
 */
async function addContosoManager(): Promise<string> {
  const email = uniqueAddress("contoso.manager");
  await addPerson({ email, displayName: "Casey Contoso", institutionSlug: "northwind-health", role: "learner" });
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
  return email;
}

/** Chooses the option whose words start so, in a select whose options also show counts or dates. */
async function chooseOptionStartingWith(select: Locator, start: string): Promise<void> {
  // The options may still be loading (a course's cohorts arrive after the course is chosen).
  await expect(select.locator("option").filter({ hasText: start })).not.toHaveCount(0);
  const labels = await select.locator("option").allTextContents();
  const label = labels.find((candidate) => candidate.startsWith(start));
  if (!label) throw new Error(`no option starting with "${start}" among ${labels.join(" | ")}`);
  await select.selectOption({ label });
}

// Long flows on a shared, busy machine: several dialogs, each scanned with axe.
test.describe.configure({ timeout: 180_000 });

test.describe("admin console: enrolments", () => {
  // A reason that is too short is refused at its field, by the form; nothing else is refused on purpose.
  test.use({ allowedConsoleErrors: [refusedRequest(400)] });

  test("Chloé grants a learner an enrolment, extends it, suspends it with a reason, and overrides access", async ({
    page,
  }) => {
    const learnerName = `Robin Falls ${Date.now().toString(36)}`;
    const learner = await addPerson({
      email: uniqueAddress("robin"),
      displayName: learnerName,
      institutionSlug: "northwind-health",
      role: "learner",
    });
    await page.goto("/admin/enrolments");
    await signIn(page, "chloe.admin@example.org");
    await expect(page).toHaveTitle("Enrolments · LearnOps Admin");
    await expect(page.getByRole("heading", { level: 1, name: "Enrolments" })).toBeVisible();
    await expect(page.getByRole("table", { name: /enrolments?.*newest first/ })).toBeVisible();
    await expectNoAxeViolations(page);

    // Grant: find the learner, choose the course, give a reason.
    await page.getByRole("button", { name: "Grant enrolment" }).click();
    const grant = page.getByRole("dialog", { name: "Grant an enrolment" });
    await expect(grant.getByLabel("Find the learner")).toBeFocused();
    await page.keyboard.type(learner.email.split("@")[0] ?? "");
    await page.keyboard.press("Enter");
    await grant.getByRole("radio", { name: new RegExp(learnerName) }).check();
    await grant.getByLabel("Course").selectOption({ label: "Dementia Care Essentials" });
    await grant.getByLabel("Reason").fill("Too short");
    await grant.getByRole("button", { name: "Grant enrolment" }).click();
    await expect(grant.getByLabel("Reason")).toBeFocused();
    await expect(grant.getByLabel("Reason")).toHaveAccessibleDescription(
      /Error: Give a reason of at least 10 characters/,
    );
    await expectNoAxeViolations(page);
    await grant.getByLabel("Reason").fill("Funded by the falls prevention programme");
    await grant.getByRole("button", { name: "Grant enrolment" }).click();
    await expect(grant).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "is enrolled in" })).toHaveText(
      `${learnerName} is enrolled in Dementia Care Essentials.`,
    );

    // Only this learner's enrolments, from the link on their name.
    await page.getByRole("link", { name: `${learnerName}: show only their enrolments` }).click();
    await expect(page.getByText(`Showing ${learnerName}’s enrolments only.`)).toBeVisible();
    const table = page.getByRole("table", { name: "1 enrolment matching the filters, newest first" });
    const row = table.getByRole("row").nth(1);
    await expect(row).toContainText("Dementia Care Essentials");
    await expect(row).toContainText("Active");
    await expect(row).toContainText("Manual grant");
    await expect(row).toContainText("Funded by the falls prevention programme");
    const actions = row.getByRole("button", { name: `Actions for ${learnerName}, Dementia Care Essentials` });

    // Extend: a new end of access, for a reason.
    await actions.click();
    await page.getByRole("menuitem", { name: "Extend access" }).click();
    const extend = page.getByRole("dialog", { name: `Extend ${learnerName}’s access` });
    const ends = new Date(Date.now() + 400 * 86_400_000);
    const day = `${ends.getFullYear()}-${String(ends.getMonth() + 1).padStart(2, "0")}-${String(ends.getDate()).padStart(2, "0")}`;
    await extend.getByLabel("Access ends on").fill(day);
    await extend.getByLabel("Reason").fill("Extra time agreed with the care home manager");
    await expectNoAxeViolations(page);
    await extend.getByRole("button", { name: "Extend access" }).click();
    await expect(extend).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "now ends on" })).toContainText(
      `${learnerName}’s access to Dementia Care Essentials now ends on`,
    );
    await expect(row.locator("time").last()).toHaveAttribute("datetime", new RegExp(`^${ends.getFullYear()}-`));

    // Suspend, with the reason shown in the row afterwards.
    await actions.click();
    await page.getByRole("menuitem", { name: "Suspend" }).click();
    const suspend = page.getByRole("dialog", { name: `Suspend ${learnerName}’s enrolment` });
    await expect(suspend.getByLabel("Reason")).toBeFocused();
    await page.keyboard.type("Paused while the employer confirms funding");
    await suspend.getByRole("button", { name: "Suspend enrolment" }).click();
    await expect(suspend).toHaveCount(0);
    await expect(row).toContainText("Suspended");
    await expect(row).toContainText("Paused while the employer confirms funding");

    // The access trace says why they cannot get in now.
    await actions.click();
    await page.getByRole("menuitem", { name: "Access trace" }).click();
    const trace = page.getByRole("dialog", { name: `Why ${learnerName} can or cannot open Dementia Care Essentials` });
    await expect(trace.getByText("Access denied")).toBeVisible();
    await expect(trace.getByRole("listitem").filter({ hasText: "Enrolment" }).first()).toContainText("Failed");
    await expectNoAxeViolations(page);
    await trace.getByRole("button", { name: "Close" }).click();

    // An override lets them in for a week regardless; it is listed, and can be revoked.
    await actions.click();
    await page.getByRole("menuitem", { name: "Override access" }).click();
    const override = page.getByRole("dialog", { name: `Override ${learnerName}’s access` });
    await override.getByRole("radio", { name: "Allow access" }).check();
    await override.getByLabel("Reason").fill("Needs the dementia module for an inspection this week");
    await expectNoAxeViolations(page);
    await override.getByRole("button", { name: "Create override" }).click();
    await expect(override).toHaveCount(0);
    const overrides = page.getByRole("table", { name: new RegExp(`1 override for ${learnerName}`) });
    await expect(overrides.getByRole("row").nth(1)).toContainText("Allow");
    await expect(overrides.getByRole("row").nth(1)).toContainText("In force");
    await overrides
      .getByRole("button", { name: `Revoke override for ${learnerName}, Dementia Care Essentials` })
      .click();
    const revoke = page.getByRole("alertdialog", { name: "Revoke this override?" });
    await expect(revoke.getByRole("button", { name: "Keep it" })).toBeFocused();
    await revoke.getByRole("button", { name: "Revoke override" }).click();
    await expect(overrides.getByRole("row").nth(1)).toContainText("Revoked");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-enrolments.png"), fullPage: true });
  });

  test("Chloé enrols a learner in a cohort and gives them more time for an assignment", async ({ page }) => {
    const learnerName = `Sky Latecomer ${Date.now().toString(36)}`;
    const learner = await addPerson({
      email: uniqueAddress("sky"),
      displayName: learnerName,
      institutionSlug: "northwind-health",
      role: "learner",
    });
    await page.goto("/admin/enrolments");
    await signIn(page, "chloe.admin@example.org");
    await page.getByRole("button", { name: "Grant enrolment" }).click();
    const grant = page.getByRole("dialog", { name: "Grant an enrolment" });
    await grant.getByLabel("Find the learner").fill(learner.email.split("@")[0] ?? "");
    await grant.getByRole("button", { name: "Find" }).click();
    await grant.getByRole("radio", { name: new RegExp(learnerName) }).check();
    await grant.getByLabel("Course").selectOption({ label: "Medication Safety" });
    await chooseOptionStartingWith(grant.getByLabel("Cohort", { exact: true }), "Autumn cohort");
    await grant.getByLabel("Reason").fill("Joins the Autumn cohort late, agreed with the tutor");
    await grant.getByRole("button", { name: "Grant enrolment" }).click();
    await expect(grant).toHaveCount(0);

    await page.getByRole("link", { name: `${learnerName}: show only their enrolments` }).click();
    const row = page
      .getByRole("table", { name: /1 enrolment matching the filters/ })
      .getByRole("row")
      .nth(1);
    await expect(row).toContainText("Autumn cohort");
    await row.getByRole("button", { name: `Actions for ${learnerName}, Medication Safety` }).click();
    await page.getByRole("menuitem", { name: "Give more time" }).click();
    const dialog = page.getByRole("dialog", { name: `Give ${learnerName} more time` });
    await chooseOptionStartingWith(dialog.getByLabel("Deadline"), "Write an incident report");
    await dialog.getByLabel("Reason").fill("Started three weeks after the cohort");
    await expectNoAxeViolations(page);
    await dialog.getByRole("button", { name: "Extend deadline" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "now has until" })).toContainText(
      `${learnerName} now has until`,
    );
    await expect(page.getByRole("status").filter({ hasText: "now has until" })).toContainText(
      "“Write an incident report”",
    );
  });

  test("a support agent opens the access trace for Morgan’s pending payment", async ({ page }) => {
    const support = await addPerson({
      email: uniqueAddress("support"),
      displayName: "Sasha Support",
      institutionSlug: "northwind-health",
      role: "support_agent",
    });
    await page.goto("/admin/enrolments?status=pending");
    await signIn(page, support.email);
    await expect(page.getByRole("heading", { level: 1, name: "Enrolments" })).toBeVisible();
    // Support reads and explains; it does not change enrolments.
    await expect(page.getByRole("button", { name: "Grant enrolment" })).toHaveCount(0);
    const row = page
      .getByRole("table", { name: /matching the filters/ })
      .getByRole("row")
      .filter({ hasText: "Morgan Lee" })
      .filter({ hasText: "Infection Prevention and Control" });
    await expect(row).toContainText("Pending");
    await row.getByRole("button", { name: "Actions for Morgan Lee, Infection Prevention and Control" }).click();
    await expect(page.getByRole("menuitem")).toHaveText(["Access trace"]);
    await page.getByRole("menuitem", { name: "Access trace" }).click();
    const trace = page.getByRole("dialog", {
      name: "Why Morgan Lee can or cannot open Infection Prevention and Control",
    });
    await expect(trace.getByText("Access denied")).toBeVisible();
    await expect(trace.getByText(/^Payment pending since \d{4}-\d{2}-\d{2}$/).first()).toBeVisible();
    const steps = trace.getByRole("list").getByRole("listitem");
    await expect(steps.first()).toContainText("Course available");
    await expect(steps.first()).toContainText("Passed");
    await expect(steps.filter({ hasText: "Payment" }).first()).toContainText("Failed");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-trace.png") });
  });

  test("a support agent finds Morgan by name and reads the trace of each enrolment", async ({ page }) => {
    const support = await addPerson({
      email: uniqueAddress("support"),
      displayName: "Sidney Support",
      institutionSlug: "northwind-health",
      role: "support_agent",
    });
    await page.goto("/admin/learners");
    await signIn(page, support.email);
    await expect(page).toHaveTitle("Find a learner · LearnOps Admin");
    await expect(page.getByText("Search for a learner to help")).toBeVisible();
    await expectNoAxeViolations(page);
    // One letter is too little: refused at the field.
    await page.getByLabel("Email address or name").fill("m");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page.getByLabel("Email address or name")).toHaveAccessibleDescription(
      "Error: Type at least 2 characters of a name",
    );
    await page.getByLabel("Email address or name").fill("Morgan");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page).toHaveURL(/q=Morgan/);
    const morgan = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Morgan Lee" }) });
    const enrolments = morgan.getByRole("list", { name: "Morgan Lee’s enrolments" });
    await expect(
      enrolments.getByRole("listitem").filter({ hasText: "Infection Prevention and Control" }),
    ).toContainText("Pending");
    await expect(enrolments.getByRole("listitem").filter({ hasText: "Medication Safety" })).toContainText("Active");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-learners.png"), fullPage: true });
    await morgan.getByRole("button", { name: "Access trace for Infection Prevention and Control" }).click();
    const trace = page.getByRole("dialog", {
      name: "Why Morgan Lee can or cannot open Infection Prevention and Control",
    });
    await expect(trace.getByText(/^Payment pending since \d{4}-\d{2}-\d{2}$/).first()).toBeVisible();
    await trace.getByRole("button", { name: "Close" }).click();
    await morgan.getByRole("button", { name: "Access trace for Medication Safety" }).click();
    const allowed = page.getByRole("dialog", { name: "Why Morgan Lee can or cannot open Medication Safety" });
    await expect(allowed.getByRole("listitem").filter({ hasText: "Cohort dates" })).toBeVisible();
    await expectNoAxeViolations(page);
  });

  test("a client manager sees only their client group’s enrolments, and cannot change them", async ({ page }) => {
    const manager = await addContosoManager();
    await page.goto("/admin/enrolments");
    await signIn(page, manager);
    await expect(page.getByRole("heading", { level: 1, name: "Enrolments" })).toBeVisible();
    const table = page.getByRole("table", { name: /enrolments?, newest first/ });
    // Ada's enrolment through the Contoso contract, and none of the learners outside the group.
    await expect(
      table.getByRole("row").filter({ hasText: "Ada Okafor" }).filter({ hasText: "Dementia Care Essentials" }),
    ).toContainText("Corporate contract");
    await expect(table.getByRole("row").filter({ hasText: "Morgan Lee" })).toHaveCount(0);
    await expect(table.getByRole("row").filter({ hasText: "Nina Kowalski" })).toHaveCount(0);
    await expect(table.getByRole("row").filter({ hasText: "Infection Prevention and Control" })).toHaveCount(0);
    await expect(table.getByRole("columnheader", { name: "Actions" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Grant enrolment" })).toHaveCount(0);
    await expectNoAxeViolations(page);
  });

  test("Chloé enrols learners from a CSV: a dry run first, then the worker's progress", async ({ page }) => {
    const newcomer = uniqueAddress("bulk.newcomer");
    const csv = `email,name,course\n${newcomer},Bulk Newcomer,dementia-care\n${uniqueAddress("bulk.other")},Bulk Other,no-such-course\n`;
    await page.goto("/admin/imports");
    await signIn(page, "chloe.admin@example.org");
    await expect(page).toHaveTitle("Bulk enrolment · LearnOps Admin");
    await expectNoAxeViolations(page);
    // No file: refused at the field.
    await page.getByRole("button", { name: "Check the file" }).click();
    await expect(page.getByLabel("CSV file")).toBeFocused();
    await expect(page.getByLabel("CSV file")).toHaveAccessibleDescription(/Error: Choose the CSV file to upload/);

    await page
      .getByLabel("CSV file")
      .setInputFiles({ name: "autumn-intake.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Check the file" }).click();
    const dryRun = page.getByRole("region", { name: "What “autumn-intake.csv” would do" });
    await expect(dryRun.getByRole("definition").nth(0)).toHaveText("2");
    await expect(dryRun.getByRole("definition").nth(1)).toHaveText("1");
    await expect(dryRun.getByRole("definition").nth(3)).toHaveText("1");
    const rejected = dryRun.getByRole("table", { name: "1 rejected row" });
    await expect(rejected.getByRole("row").nth(1)).toContainText("no-such-course");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-dry-run.png"), fullPage: true });

    await dryRun.getByRole("button", { name: "Apply: enrol 1 learner" }).click();
    const progress = page.getByRole("region", { name: "Enrolling from “autumn-intake.csv”" });
    await expect(progress.getByRole("progressbar")).toBeVisible();
    await expect(progress.getByRole("status")).toHaveText(
      "1 learner enrolled; 0 rows named someone enrolled already.",
      { timeout: 20_000 },
    );
    await expect(progress.getByRole("progressbar")).toHaveAttribute("value", "100");
    const uploads = page.getByRole("table", { name: /uploads?, newest first/ });
    await expect(uploads.getByRole("row").filter({ hasText: "autumn-intake.csv" }).first()).toContainText("Completed");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-imports.png"), fullPage: true });
  });

  test("works at 360 px wide: the table scrolls in its own region, the page does not", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/admin/enrolments");
    await signIn(page, "chloe.admin@example.org");
    await expect(page.getByRole("table", { name: /enrolments?.*newest first/ })).toBeVisible();
    await expect(page.getByRole("region", { name: /enrolments?.*newest first/ })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-enrolments-360.png"), fullPage: true });
    await page.getByRole("button", { name: "Grant enrolment" }).click();
    await expect(page.getByRole("dialog", { name: "Grant an enrolment" })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
  });
});
