import type { Page } from "@playwright/test";
import { expectNoAxeViolations } from "../src/axe.ts";
import {
  brandColour,
  demoInstitutions,
  expect,
  horizontalOverflow,
  refusedRequest,
  signIn,
  tabTo,
  test,
} from "../src/test.ts";

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
    await expect(page.getByRole("banner")).toContainText("Lakeside Community College");
    await expect(page.getByLabel("Email address")).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
  });

  test("an institution's page is its branded sign-in: Ada signs in at Northwind and out again", async ({ page }) => {
    await page.goto("/learn/");
    const northwind = page.getByRole("link", { name: "Northwind Health Academy" });
    await expect(northwind).toBeVisible();
    await tabTo(page, northwind);
    await page.keyboard.press("Enter");

    await expect(page).toHaveURL(/\/learn\/northwind-health$/);
    await expect(page).toHaveTitle("Sign in · Northwind Health Academy · LearnOps");
    const header = page.getByRole("banner");
    await expect(header).toContainText("Northwind Health Academy");
    // The band in the institution's colour, with the text colour computed to keep AA contrast on it.
    await expect(header.locator(".shell-brand")).toHaveCSS("background-color", "rgb(11, 92, 173)");
    await expect(header.locator(".shell-brand")).toHaveCSS("color", "rgb(255, 255, 255)");
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign in" })).toHaveCSS("background-color", "rgb(11, 92, 173)");
    await expectNoAxeViolations(page);

    await signIn(page, "ada.learner@example.org");
    await expect(page).toHaveURL(/\/learn\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeFocused();
    await expect(page.getByRole("heading", { level: 2, name: "Infection Prevention and Control" })).toBeVisible();
    await expect(header).toContainText("Ada Okafor");
    await expect(header).toContainText("Learner, Northwind Health Academy");
    expect(await brandColour(page)).toBe("#0b5cad");
    // Northwind's accent as the stripe under the band.
    await expect(header.locator(".shell-brand")).toHaveCSS("border-bottom-color", "rgb(242, 169, 0)");
    await expectNoAxeViolations(page);

    await header.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(/\/learn\/northwind-health$/);
    await expect(page.getByText("You signed out.")).toBeFocused();
    await expect(page.getByLabel("Email address")).toBeVisible();
  });

  test.describe("sign-in problems", () => {
    test.use({ allowedConsoleErrors: [refusedRequest(401, 429)] });

    test("missing fields and a wrong password are summarised, focused and tied to their fields", async ({ page }) => {
      await page.goto("/learn/northwind-health");
      await page.getByRole("button", { name: "Sign in" }).click();

      const summary = page.locator(".error-summary");
      await expect(summary).toBeFocused();
      await expect(summary.getByRole("alert")).toContainText("There is a problem");
      await expect(summary.getByRole("link")).toHaveText(["Enter your email address", "Enter your password"]);
      const email = page.getByLabel("Email address");
      await expect(email).toHaveAttribute("aria-invalid", "true");
      await expect(email).toHaveAccessibleDescription("Error: Enter your email address");
      await expectNoAxeViolations(page);
      await summary.getByRole("link", { name: "Enter your password" }).click();
      await expect(page.getByLabel("Password")).toBeFocused();

      // An unknown address, so no demo account used by other tests comes near its lockout.
      await signInExpectingRefusal(page, "nobody.here@example.org", "not-the-password");
      await expect(summary).toBeFocused();
      await expect(summary).toContainText("Email or password is incorrect");
      await expect(page.getByLabel("Password")).toHaveValue("");
      await expectNoAxeViolations(page);
    });

    test("a locked address is told when to try again, as the API says it", async ({ page }) => {
      const address = `locked.${Date.now()}@example.org`;
      // Ten failures lock an address (known or not) for 15 minutes; sent directly, to keep the test short.
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const response = await page.request.post("/trpc/auth.signIn", {
          data: { email: address, password: "wrong-password" },
        });
        expect(response.status()).toBe(401);
      }
      await page.goto("/learn/northwind-health");
      await signInExpectingRefusal(page, address, "wrong-password");
      await expect(page.locator(".error-summary")).toBeFocused();
      await expect(page.locator(".error-summary")).toContainText(
        /Too many failed sign-ins for this address\. Try again in \d+ minutes?\./,
      );
    });
  });

  test("at 360 px: Kim's sessions, this device marked, and signing out everywhere", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/learn/northwind-health");
    await signIn(page, "kim.manager@example.org");
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);

    await page.getByRole("link", { name: "Your sessions" }).click();
    await expect(page).toHaveURL(/\/learn\/account\/sessions$/);
    await expect(page.getByRole("heading", { level: 1, name: "Your sessions" })).toBeFocused();
    const table = page.getByRole("table", { name: /session/ });
    await expect(table.getByRole("row").filter({ hasText: "This device" })).toHaveCount(1);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Sign out everywhere…" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Sign out everywhere" }).click();
    // Back at the sign-in page of the institution the session was in.
    await expect(page).toHaveURL(/\/learn\/northwind-health$/);
    await expect(page.getByText(/^You signed out everywhere: \d+ sessions? ended\.$/)).toBeFocused();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
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

/** Submits the sign-in form expecting the API to refuse, and waits for the answer. */
async function signInExpectingRefusal(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  const answered = page.waitForResponse((response) => response.url().includes("/trpc/auth.signIn"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await answered;
}
