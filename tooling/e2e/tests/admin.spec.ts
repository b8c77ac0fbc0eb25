import { expectNoAxeViolations } from "../src/axe.ts";
import { demoInstitutions, expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

test.describe("admin console", () => {
  test("shows the platform status and the institutions table once signed in", async ({ page }) => {
    await page.goto("/admin/");
    await expect(page).toHaveTitle("Sign in · LearnOps Admin console");
    await signIn(page, "chloe.admin@example.org");
    await expect(page).toHaveTitle("Operations · LearnOps Admin");
    const header = page.getByRole("banner");
    await expect(header).toContainText("Chloé Martin");
    await expect(header).toContainText("Course admin, Northwind Health Academy");
    await expect(page.getByRole("heading", { level: 1, name: "Operations" })).toBeVisible();

    const status = page.getByRole("region", { name: "Platform status" });
    await expect(status.getByRole("term")).toHaveText(["Database", "Job queue"]);
    await expect(status.getByRole("definition")).toHaveText(["Up", "Up"]);

    const table = page.getByRole("table", { name: "3 institutions, by name" });
    await expect(table.getByRole("rowheader")).toHaveText([...demoInstitutions]);
    await expect(table.getByRole("row", { name: /Northwind Health Academy/ })).toContainText("#0b5cad");

    await expectNoAxeViolations(page);
  });

  test("a job sent through the API is worked by a worker, asked for by keyboard alone", async ({ page }) => {
    await page.goto("/admin/");
    await signIn(page, "chloe.admin@example.org");
    const checkWorker = page.getByRole("button", { name: "Check worker" });
    await expect(checkWorker).toBeVisible();

    await tabTo(page, checkWorker);
    await page.keyboard.press("Enter");

    const answer = page.getByRole("status").filter({ hasText: "A worker answered" });
    await expect(answer).toHaveText(/^A worker answered in \d+ ms \(worker .+:\d+\)\.$/, { timeout: 20_000 });
    // Focus stays where the person left it, so they can check again.
    await expect(checkWorker).toBeFocused();
    await expectNoAxeViolations(page);
  });

  test("works at 360 px wide: the table scrolls in its own region, not the page", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/admin/");
    await signIn(page, "chloe.admin@example.org");
    const table = page.getByRole("table", { name: "3 institutions, by name" });
    await expect(table).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
  });

  test.describe("a wrong password", () => {
    test.use({ allowedConsoleErrors: [refusedRequest(401)] });

    test("gets the one generic answer, whether or not the address has an account", async ({ page }) => {
      await page.goto("/admin/");
      // An unknown address: wrong passwords for demo accounts would count towards their lockout.
      await page.getByLabel("Email address").fill("no.account@example.org");
      await page.getByLabel("Password").fill("a-wrong-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      const summary = page.locator(".error-summary");
      await expect(summary).toBeFocused();
      await expect(summary.getByRole("alert")).toContainText("Email or password is incorrect");
      await expect(page.getByLabel("Email address")).toHaveValue("no.account@example.org");
      await expectNoAxeViolations(page);
    });
  });

  test("Sam's sessions page: this device marked, sign out everywhere after confirming", async ({ page }) => {
    await page.goto("/admin/account/sessions");
    // Signed out, the sessions page's address leads to sign-in, then to the start page.
    await expect(page).toHaveURL(/\/admin\/$/);
    await signIn(page, "sam.support@example.org");
    await page.getByRole("link", { name: "Your sessions" }).click();
    const table = page.getByRole("table", { name: /session/ });
    await expect(table.getByRole("row").filter({ hasText: "This device" })).toHaveCount(1);
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Sign out everywhere…" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(page.getByText(/^You signed out everywhere: \d+ sessions? ended\.$/)).toBeFocused();
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
  });
});
