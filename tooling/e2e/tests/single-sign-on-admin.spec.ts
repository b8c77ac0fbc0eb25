import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expectNoAxeViolations as scanWithAxe } from "../src/axe.ts";
import { addIdentityProvider, addLinkRequest, addPerson, uniqueAddress } from "../src/database.ts";
import { expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

// The single sign-on admin screens beyond adding an identity provider (single-sign-on.spec.ts): editing one
// and rolling its certificate over, deciding account link requests, and rotating the service provider's own
// keys. Each test has an admin of its own at ACME, so nothing here meets another test's sessions or rows.

/** Scans with axe once react-aria's announcements of finished actions have gone (see admin-settings.spec.ts). */
async function expectNoAxeViolations(page: Page): Promise<void> {
  await expect(page.locator('[aria-live] [role="img"]')).toHaveCount(0, { timeout: 10_000 });
  await scanWithAxe(page);
}

const fixture = (file: string) =>
  readFileSync(path.resolve(import.meta.dirname, "../../../packages/auth/src/saml", file), "utf8");
const demoCertificate = fixture("demo/demo-idp-cert.pem");
const nextCertificate = fixture("testing/fixtures/idp-next-cert.pem");

test.describe.configure({ timeout: 120_000 });

async function acmeAdmin(page: Page, name: string): Promise<void> {
  const admin = await addPerson({
    email: uniqueAddress(name),
    displayName: `${name} at ACME`,
    institutionSlug: "acme-compliance",
    role: "course_admin",
  });
  await page.goto("/admin/single-sign-on");
  await signIn(page, admin.email);
  await expect(page.getByRole("heading", { level: 1, name: "Single sign-on" })).toBeVisible();
}

/** Selects the whole value of the focused field and types another, as a keyboard user does. */
async function retype(page: Page, value: string): Promise<void> {
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  if (value) await page.keyboard.insertText(value);
}

test.describe("single sign-on administration", () => {
  // The API refuses a bad certificate and a short reason on purpose.
  test.use({ allowedConsoleErrors: [refusedRequest(400)] });

  test("an admin edits an identity provider and rolls its certificate over, with the keyboard alone, at 360 px", async ({
    page,
  }) => {
    const name = `ACME directory ${Date.now().toString(36)}`;
    await addIdentityProvider({
      institutionSlug: "acme-compliance",
      name,
      entityId: `https://idp.acme.example.com/${Date.now().toString(36)}`,
      certificate: demoCertificate,
    });
    await page.setViewportSize({ width: 360, height: 780 });
    await acmeAdmin(page, "idris");
    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect(row).toContainText("LearnOps demo identity provider");

    const edit = row.getByRole("button", { name: `Edit ${name}` });
    await tabTo(page, edit, 80);
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Edit “${name}”` });
    await expect(dialog).toBeVisible();
    await expectNoAxeViolations(page);

    // A new entity id, an address that is not https, and something that is not a certificate.
    const entityId = dialog.getByLabel("Entity id");
    await tabTo(page, entityId);
    await retype(page, "https://login.acme.example.com/saml");
    const sso = dialog.getByLabel("Sign-in address (SSO, HTTP-Redirect)");
    await tabTo(page, sso);
    await retype(page, "http://login.acme.example.com/sso");
    await tabTo(page, dialog.getByRole("textbox", { name: "Email address" }));
    await page.keyboard.insertText("emailAddress");
    await tabTo(page, dialog.getByRole("checkbox", { name: "This identity provider verifies email addresses" }));
    await page.keyboard.press("Space");
    const certificate = dialog.getByLabel("Add the next certificate (PEM)");
    await tabTo(page, certificate, 40);
    await page.keyboard.insertText("not a certificate");
    await tabTo(page, dialog.getByRole("button", { name: "Save changes" }));
    await page.keyboard.press("Enter");
    const summary = dialog.locator(".error-summary");
    await expect(summary).toBeFocused();
    await expect(summary).toContainText("There is a problem");
    await expect(sso).toHaveAccessibleDescription("Error: The address must start with https://");
    await expectNoAxeViolations(page);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: test.info().outputPath("edit-refused-360.png") });

    // Corrected: the summary's link takes focus to the field.
    await tabTo(page, summary.getByRole("link", { name: "The address must start with https://" }));
    await page.keyboard.press("Enter");
    await expect(sso).toBeFocused();
    await retype(page, "https://login.acme.example.com/sso");
    await page.keyboard.press("Enter");
    await expect(certificate).toHaveAccessibleDescription(/Error: This is not a readable X\.509 certificate/);
    await expect(summary).toContainText("This is not a readable X.509 certificate");
    await tabTo(page, certificate, 40);
    await retype(page, nextCertificate);
    await tabTo(page, dialog.getByRole("button", { name: "Save changes" }));
    await page.keyboard.press("Enter");
    await expect(dialog).toBeHidden();
    await expect(page.getByText(`Saved the identity provider “${name}”.`)).toBeVisible();
    await expect(row).toContainText("https://login.acme.example.com/saml");
    // Both certificates are accepted during the rollover.
    await expect(row).toContainText("LearnOps demo identity provider");
    await expect(row).toContainText("idp-next.test.example.org");
    await expectNoAxeViolations(page);

    // The identity provider signs with the new one now: remove the old certificate.
    await tabTo(page, edit, 80);
    await page.keyboard.press("Enter");
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel("Entity id")).toHaveValue("https://login.acme.example.com/saml");
    await expect(dialog.getByRole("textbox", { name: "Email address" })).toHaveValue("emailAddress");
    await expect(
      dialog.getByRole("checkbox", { name: "This identity provider verifies email addresses" }),
    ).toBeChecked();
    await tabTo(page, dialog.getByRole("button", { name: /^Remove the certificate CN=LearnOps demo/ }), 40);
    await page.keyboard.press("Enter");
    await tabTo(page, dialog.getByRole("button", { name: "Save changes" }));
    await page.keyboard.press("Enter");
    await expect(dialog).toBeHidden();
    await expect(row).not.toContainText("LearnOps demo identity provider");
    await expect(row).toContainText("idp-next.test.example.org");
  });

  test("an admin confirms one account link request and rejects another with a reason, keyboard only", async ({
    page,
  }) => {
    const stamp = Date.now().toString(36);
    const identityProviderId = await addIdentityProvider({
      institutionSlug: "acme-compliance",
      name: `ACME partner login ${stamp}`,
      entityId: `https://partner.acme.example.com/${stamp}`,
      certificate: demoCertificate,
    });
    const confirmed = await addPerson({
      email: uniqueAddress("lena"),
      displayName: "Lena",
      institutionSlug: "acme-compliance",
      role: "learner",
    });
    const rejected = await addPerson({
      email: uniqueAddress("omar"),
      displayName: "Omar",
      institutionSlug: "acme-compliance",
      role: "learner",
    });
    await addLinkRequest({ identityProviderId, nameId: `lena-${stamp}`, email: confirmed.email });
    await addLinkRequest({ identityProviderId, nameId: `omar-${stamp}`, email: rejected.email });
    await page.setViewportSize({ width: 360, height: 780 });
    await acmeAdmin(page, "lin");
    const card = page.getByRole("region", { name: "Account link requests" });
    await expect(card.getByRole("row", { name: new RegExp(confirmed.email) })).toContainText(`lena-${stamp}`);
    await expect(card.getByRole("row", { name: new RegExp(rejected.email) })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await card.screenshot({ path: test.info().outputPath("link-requests-360.png") });

    await tabTo(page, card.getByRole("button", { name: `Confirm the link for ${confirmed.email}` }), 120);
    await page.keyboard.press("Enter");
    const confirmDialog = page.getByRole("alertdialog", { name: `Link ${confirmed.email}?` });
    await expect(confirmDialog).toBeVisible();
    await expect(confirmDialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await expectNoAxeViolations(page);
    await page.keyboard.press("Tab");
    await expect(confirmDialog.getByRole("button", { name: "Confirm link" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(card.getByText(`Linked ${confirmed.email} to ACME partner login ${stamp}`)).toBeVisible();
    await expect(card.getByRole("row", { name: new RegExp(confirmed.email) })).toHaveCount(0);

    await tabTo(page, card.getByRole("button", { name: `Reject the link for ${rejected.email}` }), 120);
    await page.keyboard.press("Enter");
    const rejectDialog = page.getByRole("dialog", { name: `Reject the link for ${rejected.email}?` });
    const reason = rejectDialog.getByLabel("Reason");
    await expect(reason).toBeFocused();
    await page.keyboard.insertText("no");
    await tabTo(page, rejectDialog.getByRole("button", { name: "Reject link" }));
    await page.keyboard.press("Enter");
    await expect(reason).toBeFocused();
    await expect(reason).toHaveAccessibleDescription(/Error: Give a reason of at least 10 characters/);
    await expectNoAxeViolations(page);
    await page.keyboard.insertText(": Omar's account belongs to another person");
    await tabTo(page, rejectDialog.getByRole("button", { name: "Reject link" }));
    await page.keyboard.press("Enter");
    await expect(card.getByText(`Rejected the link for ${rejected.email}.`)).toBeVisible();
    await expect(card.getByRole("row", { name: new RegExp(rejected.email) })).toHaveCount(0);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });

  test("an admin rotates the service provider's keys: prepare, switch, retire, at 360 px", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await acmeAdmin(page, "rosa");
    const card = page.getByRole("region", { name: "Signing and encryption keys" });
    await expect(card.getByText("Current: signs and decrypts")).toBeVisible();
    await expect(card.getByText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)).toHaveCount(1);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);

    const metadataLink = page.getByRole("link", { name: "Download the service-provider metadata" });
    const metadataUrl = (await metadataLink.getAttribute("href")) ?? "";
    const signingCertificates = async () =>
      ((await (await page.request.get(metadataUrl)).text()).match(/use="signing"/g) ?? []).length;
    expect(await signingCertificates()).toBe(1);

    await card.getByRole("button", { name: "Prepare the next key" }).click();
    await expect(card.getByText(/Made the next key/)).toBeVisible();
    await expect(card.getByText("Next: published, not signing yet")).toBeVisible();
    expect(await signingCertificates()).toBe(2);
    await expectNoAxeViolations(page);

    await card.getByRole("button", { name: "Switch to the next key" }).click();
    const switching = page.getByRole("alertdialog", { name: "Switch to the next key?" });
    await expect(switching).toBeVisible();
    await expectNoAxeViolations(page);
    await switching.getByRole("button", { name: "Switch keys" }).click();
    await expect(card.getByText(/Switched to the next key/)).toBeVisible();
    await expect(card.getByText("Previous: decrypts only")).toBeVisible();
    expect(await signingCertificates()).toBe(1);

    await card.getByRole("button", { name: "Retire the previous key" }).click();
    const retiring = page.getByRole("alertdialog", { name: "Retire the previous key?" });
    await expect(retiring).toBeVisible();
    await retiring.getByRole("button", { name: "Retire key" }).click();
    await expect(card.getByText("Retired the key: its private key is erased.")).toBeVisible();
    await expect(card.getByText("Retired", { exact: true })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await card.screenshot({ path: test.info().outputPath("sp-keys-360.png") });
  });
});
