import { test as base, expect, type Locator, type Page } from "@playwright/test";

export { expect };

export interface LearnOpsFixtures {
  /** Console errors a test expects (a 404 it provokes on purpose); anything else fails the test. */
  allowedConsoleErrors: RegExp[];
}

/**
 * Playwright's `test`, failing any test whose page logs a console error or throws an uncaught exception:
 * a page that looks right but logs errors is broken too.
 */
export const test = base.extend<LearnOpsFixtures>({
  allowedConsoleErrors: [[], { option: true }],
  page: async ({ page, allowedConsoleErrors }, use) => {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const text = message.text();
      if (!allowedConsoleErrors.some((pattern) => pattern.test(text))) errors.push(`console.error: ${text}`);
    });
    page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
    await use(page);
    expect(errors, "the page logged errors").toEqual([]);
  },
});

/** Presses Tab until the element is focused, failing if it is not reached within `limit` presses. */
export async function tabTo(page: Page, target: Locator, limit = 25): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error(`Tab did not reach the element within ${limit} presses`);
}

/** How many pixels the page is wider than the viewport: above 0, it scrolls sideways. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export const demoInstitutions = [
  "ACME Compliance Training",
  "Lakeside Community College",
  "Northwind Health Academy",
] as const;

/** Every demo account's password (packages/db/src/demo-data.ts). */
export const demoPassword = "learnops-demo-2026";

/**
 * Signs in through the form on the page shown now, by keyboard as a person would type, and waits until the
 * form has gone. Each test signs in with its own account where it ends sessions, so parallel tests never sign
 * each other out.
 */
export async function signIn(page: Page, email: string, password = demoPassword): Promise<void> {
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("Password").press("Enter");
  await expect(page.getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
}

/** The institution colour the document is themed with now (`--brand` on the root element). */
export async function brandColour(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--brand").trim());
}

/**
 * The browser's console line for an API refusal with one of these statuses: allowed where a test provokes one
 * on purpose. One pattern, not several: `test.use` would take a two-element array for a [value, options] pair.
 */
export const refusedRequest = (...statuses: number[]) => new RegExp(`status of (${statuses.join("|")})\\b`);
