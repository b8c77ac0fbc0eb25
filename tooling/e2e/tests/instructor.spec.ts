import { expectNoAxeViolations } from "../src/axe.ts";
import { brandColour, expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

test.describe("instructor review", () => {
  test("signs in to the review queue and signs out again", async ({ page }) => {
    await page.goto("/teach/");
    await expect(page).toHaveTitle("Sign in · LearnOps Instructor review");
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
    await expect(page.getByLabel("Email address")).toHaveAttribute("autocomplete", "username");
    await expect(page.getByLabel("Password")).toHaveAttribute("autocomplete", "current-password");
    await expectNoAxeViolations(page);

    await signIn(page, "ivan.instructor@example.org");
    await expect(page).toHaveTitle("Review queue · LearnOps");
    const heading = page.getByRole("heading", { level: 1, name: "Review queue" });
    // Focus moves to the page's heading, not left on a form that no longer exists.
    await expect(heading).toBeFocused();
    await expect(page.getByText("No submissions are waiting for review")).toBeVisible();
    // The cohorts Ivan teaches, with their learners' progress, and the way to the reports behind the figures.
    const cohorts = page.getByRole("region", { name: "Your cohorts’ progress" });
    // (Other tests may add cohorts of Ivan's: only the demo's two are certain.)
    for (const cohort of ["Autumn cohort", "Winter cohort"]) {
      await expect(cohorts.getByRole("row", { name: new RegExp(cohort) })).toContainText("Medication Safety");
    }
    await expect(cohorts.getByRole("link", { name: /progress reports/ })).toHaveAttribute("href", "/admin/progress");
    // At 360 px the table scrolls sideways in its own region, and its caption wraps within the width in view.
    await page.setViewportSize({ width: 360, height: 780 });
    const region = cohorts.getByRole("region", { name: /newest cohort first/ });
    await expect(region).toBeVisible();
    const captionBox = await region.locator("caption").boundingBox();
    const regionBox = await region.boundingBox();
    expect(captionBox?.width).toBeLessThanOrEqual(regionBox?.width ?? 0);
    await region.evaluate((element) => element.scrollTo({ left: element.scrollWidth }));
    // Scrolled to the last column, the caption is still where it was (to the pixel: sticky positioning may
    // land it half a pixel away).
    const scrolledX = (await region.locator("caption").boundingBox())?.x ?? Number.NaN;
    expect(Math.abs(scrolledX - (captionBox?.x ?? Number.NaN))).toBeLessThanOrEqual(1);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await expect(page.getByRole("region", { name: "Platform status" }).getByRole("definition")).toHaveText([
      "Up",
      "Up",
    ]);
    const header = page.getByRole("banner");
    await expect(header).toContainText("Ivan Petrov");
    await expect(header).toContainText("Instructor, Northwind Health Academy");
    // Northwind's colours: the band in its blue, with white text.
    await expect(header.locator(".shell-brand")).toHaveCSS("background-color", "rgb(11, 92, 173)");
    await expect(header.locator(".shell-brand")).toHaveCSS("color", "rgb(255, 255, 255)");
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page.getByText("You signed out.")).toBeFocused();
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
    expect(await brandColour(page)).toBe("#1d4ed8");
  });

  test("Morgan switches institution and role by keyboard alone, and the app re-themes", async ({ page }) => {
    await page.goto("/teach/");
    await signIn(page, "morgan.lee@example.org");
    const header = page.getByRole("banner");
    const switcher = header.getByRole("button", { name: /Acting as/ });
    await expect(switcher).toBeVisible();

    /** Opens the switcher from the keyboard, moves to the option with the arrow keys, and chooses it. */
    async function switchTo(option: RegExp) {
      await tabTo(page, switcher);
      await page.keyboard.press("Enter");
      const listbox = page.getByRole("listbox");
      await expect(listbox).toBeVisible();
      const target = listbox.getByRole("option", { name: option });
      for (
        let presses = 0;
        presses < 4 && !(await target.evaluate((element) => element === document.activeElement));
        presses += 1
      ) {
        await page.keyboard.press("ArrowDown");
      }
      for (
        let presses = 0;
        presses < 4 && !(await target.evaluate((element) => element === document.activeElement));
        presses += 1
      ) {
        await page.keyboard.press("ArrowUp");
      }
      await expect(target).toBeFocused();
      return target;
    }

    // Lakeside first, so that choosing ACME afterwards is a visible change whichever membership sign-in chose.
    const lakeside = await switchTo(/Lakeside Community College/);
    await expectNoAxeViolations(page);
    await lakeside.press("Enter");
    await expect(switcher).toContainText("Instructor, Lakeside Community College");
    await expect.poll(() => brandColour(page)).toBe("#7a2e8c");

    const acme = await switchTo(/ACME Compliance Training/);
    await acme.press("Enter");
    await expect(switcher).toContainText("Course admin, ACME Compliance Training");
    await expect(header.locator(".shell-institution")).toHaveText("ACME Compliance Training");
    await expect.poll(() => brandColour(page)).toBe("#1f6f43");
    await expect(header.locator(".shell-brand")).toHaveCSS("background-color", "rgb(31, 111, 67)");
    // Buttons and links follow the institution too.
    await expect(header.getByRole("link", { name: "Your sessions" })).toHaveCSS("color", "rgb(31, 111, 67)");
    // Focus returns to the switcher, and the change is announced.
    await expect(switcher).toBeFocused();
    await expect(page.getByRole("status").filter({ hasText: "Now acting as" })).toHaveText(
      "Now acting as Course admin, ACME Compliance Training.",
    );
    await expectNoAxeViolations(page);
  });

  test("at 360 px: the sessions page marks this device, and signing out everywhere returns to sign-in", async ({
    page,
  }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/teach/");
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await signIn(page, "pat.platform@example.org");
    await expect(page.getByRole("heading", { level: 1, name: "Review queue" })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

    await page.getByRole("link", { name: "Your sessions" }).click();
    await expect(page).toHaveURL(/\/teach\/account\/sessions$/);
    const table = page.getByRole("table", { name: /session/ });
    await expect(table.getByRole("row").filter({ hasText: "This device" })).toHaveCount(1);
    expect(await table.getByRole("rowheader").count()).toBeGreaterThanOrEqual(1);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);

    // A confirmation first: Cancel (focused first) leaves everything as it was.
    await page.getByRole("button", { name: "Sign out everywhere…" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Sign out everywhere?" });
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await expectNoAxeViolations(page);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");

    await expect(page.getByText(/^You signed out everywhere: \d+ sessions? ended\.$/)).toBeFocused();
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
    await expect(page).toHaveURL(/\/teach\/$/);
  });

  test.describe("when the session ends behind the app's back", () => {
    test.use({ allowedConsoleErrors: [refusedRequest(401)] });

    test("returns to sign-in saying so", async ({ page, context }) => {
      await page.goto("/teach/");
      // Everything the page asks for once signed in has arrived, so the next request is the one made below. The
      // memberships are asked for only once the switcher's chunk has loaded: "networkidle" was reached with the
      // first page load already, and does not wait for them.
      const answered = (procedure: string) =>
        page.waitForResponse((response) => new URL(response.url()).pathname.split(/[/,]/).includes(procedure));
      const settled = Promise.all([answered("operations.status"), answered("me.memberships")]);
      await signIn(page, "ivan.instructor@example.org");
      await expect(page.getByRole("heading", { level: 1, name: "Review queue" })).toBeVisible();
      await settled;
      // As if the session had expired: the next request carries no session.
      await context.clearCookies();
      await page.getByRole("link", { name: "Your sessions" }).click();

      await expect(page.getByText("Your session ended; sign in again.")).toBeFocused();
      await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
      await expectNoAxeViolations(page);
    });
  });
});
