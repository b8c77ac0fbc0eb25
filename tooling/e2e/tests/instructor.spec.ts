import { expectNoAxeViolations } from "../src/axe.ts";
import { demoInstitutions, expect, horizontalOverflow, test } from "../src/test.ts";

test.describe("instructor review", () => {
  test("shows the empty review queue, the institutions and the platform status", async ({ page }) => {
    await page.goto("/teach/");
    await expect(page).toHaveTitle("Review queue · LearnOps");
    await expect(page.getByRole("heading", { level: 1, name: "Review queue" })).toBeVisible();
    await expect(page.getByText("No submissions are waiting for review")).toBeVisible();

    const institutions = page.getByRole("region", { name: "Institutions you can teach for" });
    for (const name of demoInstitutions) {
      await expect(institutions.getByRole("listitem").filter({ hasText: name })).toBeVisible();
    }

    const status = page.getByRole("region", { name: "Platform status" });
    await expect(status.getByRole("definition")).toHaveText(["Up", "Up"]);

    await expectNoAxeViolations(page);
  });

  test("works at 360 px wide without sideways scrolling", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/teach/");
    await expect(page.getByText(demoInstitutions[0])).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
  });
});
