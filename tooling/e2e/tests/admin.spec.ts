import { expectNoAxeViolations } from "../src/axe.ts";
import { demoInstitutions, expect, horizontalOverflow, tabTo, test } from "../src/test.ts";

test.describe("admin console", () => {
  test("shows the platform status and the institutions table", async ({ page }) => {
    await page.goto("/admin/");
    await expect(page).toHaveTitle("Operations · LearnOps Admin");
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
    const table = page.getByRole("table", { name: "3 institutions, by name" });
    await expect(table).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
  });
});
