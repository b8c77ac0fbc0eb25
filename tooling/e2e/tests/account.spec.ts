import type { Page } from "@playwright/test";
import { expectNoAxeViolations } from "../src/axe.ts";
import { addPerson, captureEmails, linkIn, newestEmailTo, uniqueAddress, userIdOf } from "../src/database.ts";
import { expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

// Each test works with people of its own (added to the database or registered), as it changes their password,
// ends their sessions or acts as support: no other test signs in as them.
test.beforeAll(async () => {
  await captureEmails();
});

/** A link from an email, opened in this run: its path and query on the platform under test. */
async function openLink(page: Page, link: URL): Promise<void> {
  await page.goto(`${link.pathname}${link.search}`);
}

/** Types into the focused field as a person would, replacing what is there. */
async function typeInto(page: Page, text: string): Promise<void> {
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(text);
}

test.describe("forgot password", () => {
  test.use({ allowedConsoleErrors: [refusedRequest(400, 401)] });

  test("by keyboard alone: ask for a link at Northwind, choose a new password, sign in with it", async ({ page }) => {
    // A whole flow, with an axe scan at each step.
    test.slow();
    const person = await addPerson({
      email: uniqueAddress("reset"),
      displayName: "Rae Setter",
      institutionSlug: "northwind-health",
      role: "learner",
    });
    const newPassword = "a fresh passphrase for the reset test";

    await page.goto("/learn/northwind-health");
    const forgot = page.getByRole("link", { name: "Forgot your password?" });
    await tabTo(page, forgot);
    await page.keyboard.press("Enter");

    await expect(page).toHaveURL(/\/learn\/account\/forgot-password\?institution=northwind-health$/);
    await expect(page).toHaveTitle("Forgot your password? · Northwind Health Academy · LearnOps");
    await expect(page.getByRole("heading", { level: 1, name: "Forgot your password?" })).toBeFocused();
    await expect(page.getByRole("banner")).toContainText("Northwind Health Academy");
    await expectNoAxeViolations(page);

    await tabTo(page, page.getByLabel("Email address"));
    await page.keyboard.type(person.email);
    await page.keyboard.press("Enter");
    const sent = page.getByText(/^If an account uses this address, we have sent it a link/);
    await expect(sent).toBeFocused();
    await expectNoAxeViolations(page);

    const email = await newestEmailTo(person.email, { kind: "password_reset" });
    expect(email.subject).toBe("Reset your password for Northwind Health Academy");
    const link = linkIn(email, "/learn/account/reset-password");
    expect(link.searchParams.get("institution")).toBe("northwind-health");
    await openLink(page, link);

    // The token leaves the address bar (and so the history and any Referer) as soon as the page has read it.
    await expect(page).toHaveURL(/\/learn\/account\/reset-password\?institution=northwind-health$/);
    await expect(page).toHaveTitle("Choose a new password · LearnOps");
    await expect(page.getByRole("heading", { level: 1, name: "Choose a new password" })).toBeVisible();
    await expectNoAxeViolations(page);

    // Two different passwords: the summary takes focus and links to the field to correct.
    await tabTo(page, page.getByLabel("New password", { exact: true }));
    await page.keyboard.type(newPassword);
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("New password again")).toBeFocused();
    await page.keyboard.type("something else entirely");
    await page.keyboard.press("Enter");
    const summary = page.locator(".error-summary");
    await expect(summary).toBeFocused();
    await expect(summary.getByRole("link")).toHaveText(["The two passwords are different"]);
    await expect(page.getByLabel("New password again")).toHaveAccessibleDescription(
      "Error: The two passwords are different",
    );
    await expectNoAxeViolations(page);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect(page.getByLabel("New password again")).toBeFocused();
    await typeInto(page, newPassword);
    await page.keyboard.press("Enter");

    await expect(page.getByText(/^Your password is changed\./)).toBeFocused();
    await expectNoAxeViolations(page);
    const signInLink = page.getByRole("link", { name: "Sign in with your new password" });
    await tabTo(page, signInLink);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/learn\/northwind-health$/);

    // The link works once.
    await openLink(page, link);
    await expect(page).toHaveURL(/\/learn\/account\/reset-password\?institution=northwind-health$/);
    await tabTo(page, page.getByLabel("New password", { exact: true }));
    await page.keyboard.type("yet another long passphrase");
    await page.keyboard.press("Tab");
    await page.keyboard.type("yet another long passphrase");
    await page.keyboard.press("Enter");
    await expect(page.locator(".error-summary")).toContainText("This reset link has expired or was already used");
    await expect(page.getByRole("link", { name: "Ask for a new link" })).toBeVisible();

    // The old password no longer works; the new one does.
    await page.goto("/learn/northwind-health");
    await page.getByLabel("Email address").fill(person.email);
    await page.getByLabel("Password").fill(person.password);
    await page.getByLabel("Password").press("Enter");
    await expect(page.locator(".error-summary")).toContainText("Email or password is incorrect");
    await signIn(page, person.email, newPassword);
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeVisible();
    await expect(page.getByRole("banner")).toContainText("Rae Setter");
  });

  test("a reset page opened without its token says how to get a working link", async ({ page }) => {
    await page.goto("/learn/account/reset-password");
    await expect(page.getByRole("alert")).toContainText("that link was not complete");
    await expect(page.getByRole("link", { name: "ask for a new link" })).toHaveAttribute(
      "href",
      "/learn/account/forgot-password",
    );
    await expectNoAxeViolations(page);
  });

  test("the sign-in forms of the other apps lead to the same page", async ({ page }) => {
    await page.goto("/teach/");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await expect(page).toHaveURL(/\/learn\/account\/forgot-password$/);
    await expect(page.getByRole("heading", { level: 1, name: "Forgot your password?" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Back to sign in" })).toHaveAttribute("href", "/learn/");
  });
});

test.describe("registration", () => {
  test.use({ allowedConsoleErrors: [refusedRequest(403)] });

  test("at Lakeside: register, sign-in refused until the address is confirmed by a button press", async ({ page }) => {
    // A whole flow, with an axe scan at each step.
    test.slow();
    const address = uniqueAddress("registered");
    const password = "my own passphrase for lakeside";

    // Only institutions that allow it offer registration.
    await page.goto("/learn/northwind-health");
    await expect(page.getByLabel("Email address")).toBeVisible();
    await expect(page.getByRole("link", { name: "Create an account" })).toHaveCount(0);

    await page.goto("/learn/lakeside-college");
    await page.getByRole("link", { name: "Create an account" }).click();
    await expect(page).toHaveURL(/\/learn\/lakeside-college\/register$/);
    await expect(page).toHaveTitle("Create an account · Lakeside Community College · LearnOps");
    await expect(page.getByRole("heading", { level: 1, name: "Create an account" })).toBeFocused();
    await expect(page.getByRole("banner")).toContainText("Lakeside Community College");
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Create account" }).click();
    const summary = page.locator(".error-summary");
    await expect(summary).toBeFocused();
    await expect(summary.getByRole("link")).toHaveText([
      "Enter your name",
      "Enter your email address",
      /^Use at least 12 characters/,
    ]);
    await expectNoAxeViolations(page);

    await page.getByLabel("Your name").fill("Rey Gistrant");
    await page.getByLabel("Email address").fill(address);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText(/^Check your inbox/)).toBeFocused();
    await expectNoAxeViolations(page);

    await page.getByRole("link", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/learn\/lakeside-college$/);
    await page.getByLabel("Email address").fill(address);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator(".error-summary")).toContainText("Confirm your email address first");

    const email = await newestEmailTo(address, { kind: "email_verification" });
    const link = linkIn(email, "/learn/account/verify-email");
    await openLink(page, link);
    await expect(page).toHaveURL(/\/learn\/account\/verify-email\?institution=lakeside-college$/);
    await expect(page.getByRole("heading", { level: 1, name: "Confirm your email address" })).toBeVisible();
    await expect(page.getByRole("banner")).toContainText("Lakeside Community College");
    await expectNoAxeViolations(page);

    // Opening the link confirmed nothing (mail scanners open links too): signing in is still refused.
    const stillRefused = await page.request.post("/trpc/auth.signIn", { data: { email: address, password } });
    expect(stillRefused.status()).toBe(403);

    await page.getByRole("button", { name: "Confirm my email address" }).click();
    await expect(page.getByText("Your email address is confirmed. You can sign in now.")).toBeFocused();
    await expectNoAxeViolations(page);
    await page.getByRole("link", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/learn\/lakeside-college$/);
    await signIn(page, address, password);
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeVisible();
    await expect(page.getByRole("banner")).toContainText("Learner, Lakeside Community College");
  });
});

test.describe("change password", () => {
  test.use({ allowedConsoleErrors: [refusedRequest(400, 401)] });

  test("at 360 px: a wrong current password is refused, then the change signs out the other device", async ({
    page,
    browser,
  }) => {
    // A whole flow, with an axe scan at each step.
    test.slow();
    const person = await addPerson({
      email: uniqueAddress("change"),
      displayName: "Chan Gepass",
      institutionSlug: "northwind-health",
      role: "learner",
    });
    const newPassword = "a changed passphrase for this test";

    // The same person signed in on another device.
    const otherDevice = await browser.newContext();
    const other = await otherDevice.newPage();
    await other.goto("/learn/northwind-health");
    await signIn(other, person.email, person.password);

    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/learn/northwind-health");
    await signIn(page, person.email, person.password);
    await page.getByRole("link", { name: "Change password" }).click();
    await expect(page).toHaveURL(/\/learn\/account\/password$/);
    await expect(page).toHaveTitle("Change your password · LearnOps");
    await expect(page.getByRole("heading", { level: 1, name: "Change your password" })).toBeFocused();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);

    await page.getByLabel("Current password").fill("not-my-password");
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("New password again").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    const summary = page.locator(".error-summary");
    await expect(summary).toBeFocused();
    await expect(summary.getByRole("link")).toHaveText(["Your current password is not correct"]);
    await expect(page.getByLabel("Current password")).toHaveValue("");
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);

    await page.getByLabel("Current password").fill(person.password);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByText(/^Your password is changed\. Your other session was signed out/)).toBeFocused();
    await expect(page.getByLabel("New password", { exact: true })).toHaveValue("");
    await expectNoAxeViolations(page);

    // This browser stays signed in; the other device is back at sign-in.
    await page.getByRole("link", { name: "Your sessions" }).click();
    await expect(page.getByRole("table", { name: "1 session, newest first" })).toBeVisible();
    await other.getByRole("link", { name: "Your sessions" }).click();
    await expect(other.getByText("Your session ended; sign in again.")).toBeFocused();
    await expect(other).toHaveURL(/\/learn\/northwind-health$/);
    await signIn(other, person.email, newPassword);
    await otherDevice.close();
  });

  test("the instructor app has the same page under its own address", async ({ page }) => {
    const person = await addPerson({
      email: uniqueAddress("instructor"),
      displayName: "Ines Tructor",
      institutionSlug: "lakeside-college",
      role: "instructor",
    });
    await page.goto("/teach/");
    await signIn(page, person.email, person.password);
    await page.getByRole("link", { name: "Change password" }).click();
    await expect(page).toHaveURL(/\/teach\/account\/password$/);
    await expect(page.getByRole("heading", { level: 1, name: "Change your password" })).toBeFocused();
    await expectNoAxeViolations(page);
  });
});

test.describe("support acting as a learner", () => {
  test("a banner on every app says so; Stop acting returns the agent to themselves", async ({ page }) => {
    // A whole flow, with an axe scan at each step.
    test.slow();
    const agent = await addPerson({
      email: uniqueAddress("agent"),
      displayName: "Sol Porter",
      institutionSlug: "northwind-health",
      role: "support_agent",
    });
    await page.goto("/learn/northwind-health");
    await signIn(page, agent.email, agent.password);

    const origin = new URL(page.url()).origin;
    const started = await page.request.post("/trpc/support.actAs", {
      headers: { Origin: origin },
      data: {
        userId: await userIdOf("ada.learner@example.org"),
        reason: "Ada cannot see her course certificate",
        minutes: 30,
      },
    });
    expect(started.status()).toBe(200);

    // Every app, in the institution's colours, opens with the banner.
    for (const app of ["/learn/", "/teach/"]) {
      await page.goto(app);
      const banner = page.getByRole("region", { name: "Support access" });
      await expect(banner).toContainText(
        /^You are acting as Ada Okafor for Sol Porter — reason: Ada cannot see her course certificate — until \d{1,2}:\d{2}/,
      );
      await expect(page.getByRole("banner").getByRole("region", { name: "Support access" })).toBeVisible();
      // Not dismissible: the only control is Stop acting.
      await expect(banner.getByRole("button")).toHaveText(["Stop acting"]);
      // The password is Ada's: it is not offered.
      await expect(page.getByRole("link", { name: "Change password" })).toHaveCount(0);
      await expectNoAxeViolations(page);
    }
    await page.goto("/admin/");
    await expect(page.getByRole("region", { name: "Support access" })).toContainText("You are acting as Ada Okafor");

    // At 360 px it wraps and stays readable.
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/learn/");
    await expect(page.getByRole("banner")).toContainText("Ada Okafor");
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

    const stop = page.getByRole("button", { name: "Stop acting" });
    await tabTo(page, stop);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("region", { name: "Support access" })).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "You stopped acting" })).toHaveText(
      "You stopped acting as Ada Okafor.",
    );
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeFocused();
    const header = page.getByRole("banner");
    await expect(header).toContainText("Sol Porter");
    await expect(header).toContainText("Support agent, Northwind Health Academy");
    await expect(page.getByRole("link", { name: "Change password" })).toBeVisible();
    await expectNoAxeViolations(page);

    // The session is the agent's own again for every app.
    await page.goto("/teach/");
    await expect(page.getByRole("banner")).toContainText("Sol Porter");
    await expect(page.getByRole("region", { name: "Support access" })).toHaveCount(0);
  });
});
