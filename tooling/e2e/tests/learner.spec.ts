import { expectNoAxeViolations } from "../src/axe.ts";
import { demoInstitutions, expect, horizontalOverflow, tabTo, test } from "../src/test.ts";

test.describe("learner portal", () => {
  test("lists the institutions from the API, each as a heading with its colour", async ({ page }) => {
    await page.goto("/learn/");
    await expect(page).toHaveTitle("Find your institution · LearnOps");
    await expect(page.getByRole("heading", { level: 1, name: "Find your institution" })).toBeVisible();

    const cards = page.getByRole("listitem");
    await expect(cards).toHaveCount(demoInstitutions.length);
    for (const name of demoInstitutions) {
      await expect(page.getByRole("heading", { level: 2, name })).toBeVisible();
    }
    // Each swatch shows the partner colour from the institution's data.
    const northwind = cards.filter({ hasText: "Northwind Health Academy" });
    await expect(northwind.locator(".brand-swatch")).toHaveCSS("background-color", "rgb(11, 92, 173)");

    await expectNoAxeViolations(page);
  });

  test("skip link moves keyboard focus to the main content", async ({ page }) => {
    await page.goto("/learn/");
    await expect(page.getByRole("heading", { level: 2 }).first()).toBeVisible();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to main content" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("main")).toBeFocused();
  });

  test("works at 360 px wide without sideways scrolling", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/learn/");
    await expect(page.getByRole("heading", { level: 2, name: demoInstitutions[0] })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);

    await page.goto("/learn/lakeside-college");
    await expect(page.getByRole("heading", { level: 1, name: "Lakeside Community College" })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });

  test("opens an institution's page by keyboard, in its colours", async ({ page }) => {
    await page.goto("/learn/");
    const northwind = page.getByRole("link", { name: "Northwind Health Academy" });
    await expect(northwind).toBeVisible();
    await tabTo(page, northwind);
    await page.keyboard.press("Enter");

    await expect(page).toHaveURL(/\/learn\/northwind-health$/);
    const heading = page.getByRole("heading", { level: 1, name: "Northwind Health Academy" });
    await expect(heading).toBeVisible();
    await expect(page).toHaveTitle("Northwind Health Academy · LearnOps");
    // Brand background with the text colour computed to keep AA contrast on it.
    const banner = heading.locator("..");
    await expect(banner).toHaveCSS("background-color", "rgb(11, 92, 173)");
    await expect(banner).toHaveCSS("color", "rgb(255, 255, 255)");
    await expectNoAxeViolations(page);
  });

  test.describe("an address that names no institution", () => {
    // The 404 from the API is the point of the test; the browser logs it.
    test.use({ allowedConsoleErrors: [/status of 404/] });

    test("shows the API's message and the request id to quote", async ({ page }) => {
      await page.goto("/learn/no-such-institution");
      await expect(page.getByRole("heading", { level: 1, name: "This institution could not be opened" })).toBeVisible();
      const alert = page.getByRole("alert");
      await expect(alert).toContainText('Institution "no-such-institution" was not found');
      await expect(alert).toContainText(/Reference for support: [0-9a-f-]{36}/);
      // A refusal is final: no "Try again" that would get the same answer.
      await expect(alert.getByRole("button")).toHaveCount(0);
      await expectNoAxeViolations(page);
    });
  });

  test.describe("when the API cannot be reached", () => {
    test.use({ allowedConsoleErrors: [/net::ERR_FAILED/] });

    test("says so, and loads the list when asked to try again", async ({ page }) => {
      await page.route("**/trpc/**", (route) => route.abort());
      await page.goto("/learn/");
      const alert = page.getByRole("alert");
      await expect(alert).toContainText("LearnOps could not be reached");
      await expectNoAxeViolations(page);

      await page.unroute("**/trpc/**");
      await alert.getByRole("button", { name: "Try again" }).click();
      await expect(page.getByRole("heading", { level: 2, name: demoInstitutions[0] })).toBeVisible();
    });
  });
});
