import type { Page } from "@playwright/test";
import { expectNoAxeViolations as scanWithAxe } from "../src/axe.ts";
import { expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

/** A name no other test (nor an earlier run of this one) uses: tests share one database. */
function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/**
 * Scans with axe once react-aria's announcements of finished actions have gone. A pending button announces
 * its end through a live region entry that points at the button for a few seconds; when the button has
 * gone with its dialog, the entry points at nothing and axe reports it (role-img-alt).
 */
async function expectNoAxeViolations(page: Page): Promise<void> {
  await expect(page.locator('[aria-live] [role="img"]')).toHaveCount(0, { timeout: 10_000 });
  await scanWithAxe(page);
}

// Flows of several actions, each scanned with axe once its announcements have gone (see above).
test.describe.configure({ timeout: 90_000 });

/** The document's value of one of the theme's custom properties. */
function themeProperty(page: Page, name: string): Promise<string> {
  return page.evaluate(
    (property) => getComputedStyle(document.documentElement).getPropertyValue(property).trim(),
    name,
  );
}

test.describe("admin console: client groups", () => {
  // The duplicate name is refused by the API on purpose.
  test.use({ allowedConsoleErrors: [refusedRequest(409)] });

  test("Chloé adds, renames and removes a client group, and the audit log names her", async ({ page }) => {
    await page.goto("/admin/client-groups");
    await signIn(page, "chloe.admin@example.org");
    await expect(page).toHaveTitle("Client groups · LearnOps Admin");
    await expect(page.getByRole("heading", { level: 1, name: "Client groups" })).toBeVisible();
    await expect(page.getByRole("table", { name: /client groups?, by name/ })).toBeVisible();
    await expectNoAxeViolations(page);

    // An empty name is refused at the field, which takes focus.
    const name = page.getByLabel("Name", { exact: true });
    await page.getByRole("button", { name: "Add client group" }).click();
    await expect(name).toBeFocused();
    await expect(name).toHaveAccessibleDescription("Error: Enter a name");
    await expectNoAxeViolations(page);

    const added = uniqueName("Harbour Clinics");
    await name.fill(added);
    await page.getByRole("button", { name: "Add client group" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Added the client group" })).toHaveText(
      `Added the client group “${added}”.`,
    );
    await expect(page.getByRole("rowheader", { name: added, exact: true })).toBeVisible();

    // The same name again: the API's refusal lands on the name field.
    await name.fill(added);
    await page.getByRole("button", { name: "Add client group" }).click();
    await expect(name).toHaveAccessibleDescription(`Error: A client group named "${added}" exists already`);

    const renamed = uniqueName("Harbour Care");
    await page.getByRole("button", { name: `Rename ${added}` }).click();
    const renameDialog = page.getByRole("dialog", { name: `Rename “${added}”` });
    const newName = renameDialog.getByLabel("New name");
    await expect(newName).toBeFocused();
    await expect(newName).toHaveValue(added);
    await expectNoAxeViolations(page);
    await newName.fill(renamed);
    await renameDialog.getByRole("button", { name: "Rename" }).click();
    await expect(renameDialog).toHaveCount(0);
    await expect(page.getByRole("rowheader", { name: renamed, exact: true })).toBeVisible();
    // Focus is back on the button that opened the dialog.
    await expect(page.getByRole("button", { name: `Rename ${renamed}` })).toBeFocused();

    await page.getByRole("button", { name: `Remove ${renamed}` }).click();
    const confirm = page.getByRole("alertdialog", { name: `Remove “${renamed}”?` });
    await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
    await expectNoAxeViolations(page);
    await confirm.getByRole("button", { name: "Remove client group" }).click();
    await expect(confirm).toHaveCount(0);
    await expect(page.getByRole("rowheader", { name: renamed, exact: true })).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "Removed" })).toHaveText(
      `Removed the client group “${renamed}”.`,
    );

    // The audit log tells who renamed it, in which role, and what the name was before and after.
    await page
      .getByRole("navigation", { name: "Admin console sections" })
      .getByRole("link", { name: "Audit log" })
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await page.getByLabel("Action", { exact: true }).selectOption("client_group.renamed");
    await page.getByLabel("Actor’s email address").fill("chloe.admin@example.org");
    await page.getByRole("button", { name: "Show events" }).click();
    await expect(page).toHaveURL(/[?&]action=client_group\.renamed/);
    const row = page
      .getByRole("table", { name: /matching the filters, newest first/ })
      .getByRole("row")
      .filter({ hasText: renamed });
    await expect(row).toContainText("Client group renamed");
    await expect(row).toContainText("Chloé Martin");
    await expect(row).toContainText("Course admin");
    await row.getByText("Before and after").click();
    await expect(row.getByRole("definition").first()).toContainText(added);
    await expect(row.getByRole("definition").last()).toContainText(renamed);
    await expectNoAxeViolations(page);
  });
});

test.describe("admin console: API keys", () => {
  test.use({ permissions: ["clipboard-read", "clipboard-write"] });

  test("a key is created, shown once and copied, then revoked, by keyboard alone", async ({ page }) => {
    await page.goto("/admin/api-keys");
    await signIn(page, "chloe.admin@example.org");
    await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();
    await expectNoAxeViolations(page);

    const create = page.getByRole("button", { name: "Create API key" });
    await tabTo(page, create, 40);
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Create an API key" });
    const name = dialog.getByLabel("Name");
    await expect(name).toBeFocused();

    // Submitted empty: each field says what it needs, and focus goes to the first.
    await page.keyboard.press("Enter");
    await expect(name).toHaveAccessibleDescription(/Error: Name the key after the system that will use it/);
    await expect(dialog.getByText("Grant at least one scope")).toBeVisible();
    await expect(name).toBeFocused();
    await expectNoAxeViolations(page);

    const keyName = uniqueName("HR system");
    await page.keyboard.type(keyName);
    const enrolmentsRead = dialog.getByRole("checkbox", { name: /Read enrolments/ });
    await tabTo(page, enrolmentsRead, 5);
    await page.keyboard.press("Space");
    await expect(enrolmentsRead).toBeChecked();
    await tabTo(page, dialog.getByRole("button", { name: "Create key" }), 6);
    await page.keyboard.press("Enter");

    const shown = page.getByRole("dialog", { name: `Copy the key for “${keyName}”` });
    await expect(shown).toContainText("You will not see this key again.");
    const secret = await shown.getByLabel("API key").inputValue();
    expect(secret).toMatch(/^lo_[a-z2-7]{12}_[A-Za-z0-9_-]+$/);
    const copy = shown.getByRole("button", { name: "Copy key" });
    await expect(copy).toBeFocused();
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("learnops-settings-1280-api-key-shown-once.png") });
    await page.keyboard.press("Enter");
    await expect(shown.getByRole("status")).toHaveText("Copied to the clipboard.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    await tabTo(page, shown.getByRole("button", { name: "I have stored the key" }), 4);
    await page.keyboard.press("Enter");
    await expect(shown).toHaveCount(0);
    await expect(create).toBeFocused();
    // The key is never shown again: the list has only its public part.
    const publicId = secret.split("_")[1] ?? "";
    const row = page.getByRole("row").filter({ hasText: keyName });
    await expect(row).toContainText(`lo_${publicId}_…`);
    await expect(row).toContainText("enrolments:read");
    await expect(row).toContainText("Never");
    await expect(row).toContainText("Active");
    await expect(page.getByText(secret)).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole("row").filter({ hasText: keyName })).toContainText(`lo_${publicId}_…`);
    expect(await page.content()).not.toContain(secret.split("_")[2]);

    const revoke = page.getByRole("button", { name: `Revoke ${keyName}` });
    await tabTo(page, revoke, 60);
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("alertdialog", { name: `Revoke “${keyName}”?` });
    await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
    await expectNoAxeViolations(page);
    await page.keyboard.press("Tab");
    await expect(confirm.getByRole("button", { name: "Revoke key" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(confirm).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "Revoked the key" })).toContainText(keyName);
    await expect(page.getByRole("row").filter({ hasText: keyName })).toContainText("Revoked");
    await expect(page.getByRole("button", { name: `Revoke ${keyName}` })).toHaveCount(0);

    // Both are in the audit log, under Chloé's name.
    await page.goto("/admin/audit?actor=chloe.admin%40example.org");
    for (const action of ["API key created", "API key revoked"]) {
      const event = page.getByRole("row").filter({ hasText: action }).filter({ hasText: keyName });
      await expect(event).toContainText("Chloé Martin");
    }
  });
});

test.describe("admin console: a key for an xAPI tool", () => {
  test("says what to enter in the tool, at 360 px, and the endpoint it names takes the key", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/admin/api-keys");
    await signIn(page, "chloe.admin@example.org");
    await page.getByRole("button", { name: "Create API key" }).click();
    const dialog = page.getByRole("dialog", { name: "Create an API key" });
    const keyName = uniqueName("Video platform");
    await dialog.getByLabel("Name").fill(keyName);
    await dialog.getByRole("checkbox", { name: /Send learning records/ }).check();
    await dialog.getByRole("button", { name: "Create key" }).click();

    const shown = page.getByRole("dialog", { name: `Copy the key for “${keyName}”` });
    const secret = await shown.getByLabel("API key").inputValue();
    const setup = shown.getByRole("region", { name: "In the xAPI tool" });
    const endpoint = new URL("/xapi/", page.url()).href;
    await expect(setup.getByRole("definition")).toHaveText([endpoint, "This API key", "Leave it empty", "1.0.3"]);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    // The dialog scrolls within the small screen to the last of it.
    const doneButton = shown.getByRole("button", { name: "I have stored the key" });
    await doneButton.scrollIntoViewIfNeeded();
    await expect(doneButton).toBeInViewport();
    await page.screenshot({ path: test.info().outputPath("learnops-settings-360-xapi-key-setup.png") });

    // What the tool will do with it: the endpoint answers, and takes the key (an empty batch is refused only
    // after the key is accepted; another key is refused first).
    const about = await page.request.get(new URL("about", endpoint).href);
    expect(await about.json()).toEqual({ version: ["1.0.3"] });
    const send = (key: string) =>
      page.request.post(new URL("statements", endpoint).href, {
        headers: { authorization: `Bearer ${key}`, "x-experience-api-version": "1.0.3" },
        data: [],
      });
    const accepted = await send(secret);
    expect(accepted.status()).toBe(400);
    expect(await accepted.json()).toMatchObject({ message: "Send at least one statement" });
    expect((await send(`${secret.slice(0, -4)}aaaa`)).status()).toBe(401);

    // A key without the xapi:write scope has no such section.
    await doneButton.click();
    await page.getByRole("button", { name: "Create API key" }).click();
    await dialog.getByLabel("Name").fill(uniqueName("Reporting"));
    await dialog.getByRole("checkbox", { name: /Read reports/ }).check();
    await dialog.getByRole("button", { name: "Create key" }).click();
    await expect(page.getByRole("dialog", { name: /Copy the key for/ })).toContainText(
      "You will not see this key again.",
    );
    await expect(page.getByRole("region", { name: "In the xAPI tool" })).toHaveCount(0);
  });
});

test.describe("admin console: audit log", () => {
  test("filters live in the address, pages go by cursor, and the chain verifies", async ({ page }) => {
    await page.goto("/admin/client-groups");
    await signIn(page, "chloe.admin@example.org");
    // Two events of Chloé's own, besides her sign-in, so that pages of two always make two pages.
    const group = uniqueName("Audit Clinics");
    await page.getByLabel("Name", { exact: true }).fill(group);
    await page.getByRole("button", { name: "Add client group" }).click();
    await page.getByRole("button", { name: `Remove ${group}` }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Remove client group" }).click();
    await expect(page.getByRole("rowheader", { name: group, exact: true })).toHaveCount(0);

    await page.goto("/admin/audit");
    await expect(page).toHaveTitle("Audit log · LearnOps Admin");
    const table = page.getByRole("table", { name: /events?, newest first/ });
    await expect(table).toBeVisible();
    await expectNoAxeViolations(page);

    // A refused filter says why at its field.
    const actor = page.getByLabel("Actor’s email address");
    await actor.fill("chloe at example");
    await page.getByRole("button", { name: "Show events" }).click();
    await expect(actor).toBeFocused();
    await expect(actor).toHaveAccessibleDescription(/^Error: /);
    await expectNoAxeViolations(page);

    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
    await actor.fill("chloe.admin@example.org");
    await page.getByLabel("From", { exact: true }).fill(day);
    await page.getByLabel("To (included)").fill(day);
    await page.getByLabel("Events per page").selectOption("10");
    await page.getByRole("button", { name: "Show events" }).click();
    await expect(page).toHaveURL(new RegExp(`actor=chloe\\.admin%40example\\.org&from=${day}&to=${day}&per=10$`));
    const filtered = page.getByRole("table", { name: /matching the filters, newest first/ });
    await expect(filtered.getByRole("row").filter({ hasText: group }).first()).toContainText("Chloé Martin");
    await expect(page.getByRole("heading", { level: 2, name: "Latest events" })).toBeFocused();

    // The address alone gives the same view: two per page, then older ones by cursor.
    await page.goto(`/admin/audit?actor=chloe.admin%40example.org&from=${day}&to=${day}&per=2`);
    await expect(page.getByLabel("Actor’s email address")).toHaveValue("chloe.admin@example.org");
    await expect(page.getByLabel("Events per page")).toHaveValue("2");
    const firstPage = page.getByRole("table", { name: "2 events matching the filters, newest first" });
    await expect(firstPage.getByRole("row")).toHaveCount(3);
    const newest = await firstPage.getByRole("rowheader").first().textContent();
    await page.getByRole("button", { name: "Older events" }).click();
    await expect(page).toHaveURL(/&before=\d+$/);
    await expect(page.getByRole("heading", { level: 2, name: "Older events" })).toBeFocused();
    const olderFirst = page.getByRole("table").getByRole("rowheader").first();
    await expect(olderFirst).not.toHaveText(newest ?? "");
    const older = await olderFirst.textContent();
    await expectNoAxeViolations(page);
    // Back is the latest page again. Tests running beside this one sign Chloé in too, so its first row may
    // be newer than `newest` by now; it is never the older page's.
    await page.goBack();
    await expect(page).not.toHaveURL(/before=/);
    await expect(page.getByRole("heading", { level: 2, name: "Latest events" })).toBeVisible();
    await expect(page.getByRole("table").getByRole("rowheader").first()).not.toHaveText(older ?? "");
    await page.goForward();
    await expect(page.getByRole("heading", { level: 2, name: "Older events" })).toBeVisible();
    await page.getByRole("button", { name: "Newest events" }).click();
    await expect(page).not.toHaveURL(/before=/);
    await expect(page.getByRole("button", { name: "Clear filters" })).toBeVisible();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect(page).toHaveURL(/\/admin\/audit\?per=2$/);

    await page.getByRole("button", { name: "Verify the chain" }).click();
    await expect(page.getByRole("status").filter({ hasText: "The chain is intact" })).toContainText(
      "no event was edited, removed or reordered",
    );
    await expectNoAxeViolations(page);
  });
});

test.describe("admin console: branding", () => {
  // Morgan is course admin at ACME only; ACME's accent colour is changed and put back within this test, and
  // its primary colour and name (which another test checks) are never saved.
  test("Morgan previews colours, is refused bad values, and a saved accent re-themes the app", async ({ page }) => {
    await page.goto("/admin/branding");
    await signIn(page, "morgan.lee@example.org");
    const header = page.getByRole("banner");
    const switcher = header.getByRole("button", { name: /Acting as/ });
    if (!(await switcher.textContent())?.includes("ACME Compliance Training")) {
      await switcher.click();
      await page.getByRole("option", { name: /ACME Compliance Training/ }).click();
    }
    await expect(switcher).toContainText("Course admin, ACME Compliance Training");
    await expect(page.getByRole("heading", { level: 1, name: "Branding" })).toBeVisible();
    const primary = page.getByLabel("Primary colour", { exact: true });
    const accent = page.getByLabel("Accent colour", { exact: true });
    await expect(primary).toHaveValue("#1f6f43");
    const savedAccent = await accent.inputValue();
    await expectNoAxeViolations(page);

    // The preview follows what is typed, before anything is saved.
    const band = page.locator(".branding-preview-band");
    await primary.fill("#6b21a8");
    await expect(band).toHaveCSS("background-color", "rgb(107, 33, 168)");
    await expect(page.getByRole("row", { name: /Name on the header band/ })).toContainText("Passes AA");
    await expect.poll(() => themeProperty(page, "--brand")).toBe("#1f6f43");

    // Values the API would refuse are refused here, each at its field, with a summary that takes focus.
    await primary.fill("#1f6f4");
    await page.getByLabel("Logo address").fill("http://acme.example.org/logo.png");
    await page.getByRole("button", { name: "Save branding" }).click();
    const summary = page.locator(".error-summary");
    await expect(summary).toBeFocused();
    await expect(summary).toContainText("Primary colour: Use a colour in #rrggbb form");
    await expect(summary).toContainText("Logo address: Use an https:// address for the logo");
    await expect(primary).toHaveAccessibleDescription(/Error: Use a colour in #rrggbb form/);
    await expectNoAxeViolations(page);
    await summary.getByRole("link", { name: /Logo address/ }).click();
    await expect(page.getByLabel("Logo address")).toBeFocused();
    await page.getByRole("button", { name: "Undo changes" }).click();
    await expect(primary).toHaveValue("#1f6f43");

    // A new accent colour, saved: the whole app takes it on without a reload.
    const newAccent = savedAccent === "#0e7490" ? "#a16207" : "#0e7490";
    try {
      await accent.fill(newAccent);
      await page.getByRole("button", { name: "Save branding" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Saved." })).toContainText("ACME Compliance Training");
      await expect.poll(() => themeProperty(page, "--brand-accent")).toBe(newAccent);
      await expect(header.locator(".shell-brand")).toHaveCSS("border-bottom-color", "rgb(14, 116, 144)");
      await expectNoAxeViolations(page);
    } finally {
      await accent.fill(savedAccent);
      await page.getByRole("button", { name: "Save branding" }).click();
      await expect.poll(() => themeProperty(page, "--brand-accent")).toBe(savedAccent);
    }
  });
});

test.describe("admin console settings on a phone and a desktop", () => {
  test("each section fits 360 px: wide tables scroll in their own region", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto("/admin/client-groups");
    await signIn(page, "chloe.admin@example.org");
    await checkEverySection(page, "360");
    // The audit table is wider than a phone: its region scrolls and can be reached by keyboard.
    const region = page.getByRole("region", { name: /events?, newest first/ });
    await expect(region).toHaveAttribute("tabindex", "0");
  });

  test("each section at desktop width", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto("/admin/client-groups");
    await signIn(page, "chloe.admin@example.org");
    await checkEverySection(page, "1280");
  });
});

async function checkEverySection(page: Page, width: string): Promise<void> {
  for (const [path, heading] of [
    ["client-groups", "Client groups"],
    ["branding", "Branding"],
    ["api-keys", "API keys"],
    ["audit", "Audit log"],
  ] as const) {
    await page.goto(`/admin/${path}`);
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await expect(page.locator(".loading-state")).toHaveCount(0);
    expect(await horizontalOverflow(page), `/admin/${path} scrolls sideways`).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath(`learnops-settings-${width}-${path}.png`), fullPage: true });
    if (path === "api-keys") {
      // The dialog fits too, and Escape closes it with focus back on the button that opened it.
      const create = page.getByRole("button", { name: "Create API key" });
      await create.click();
      const dialog = page.getByRole("dialog", { name: "Create an API key" });
      await expect(dialog.getByLabel("Name")).toBeFocused();
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await expectNoAxeViolations(page);
      await page.screenshot({ path: test.info().outputPath(`learnops-settings-${width}-api-keys-dialog.png`) });
      await page.keyboard.press("Escape");
      await expect(dialog).toHaveCount(0);
      await expect(create).toBeFocused();
    }
  }
}
