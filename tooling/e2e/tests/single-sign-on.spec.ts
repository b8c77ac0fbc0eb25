import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expectNoAxeViolations as scanWithAxe } from "../src/axe.ts";
import { addPerson, uniqueAddress } from "../src/database.ts";
import { brandColour, expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

/** Scans with axe once react-aria's announcements of finished actions have gone (see admin-settings.spec.ts). */
async function expectNoAxeViolations(page: Page): Promise<void> {
  await expect(page.locator('[aria-live] [role="img"]')).toHaveCount(0, { timeout: 10_000 });
  await scanWithAxe(page);
}

test.describe.configure({ timeout: 90_000 });

const demoCertificate = readFileSync(
  path.resolve(import.meta.dirname, "../../../packages/auth/src/saml/demo/demo-idp-cert.pem"),
  "utf8",
);

test.describe("single sign-on (SAML)", () => {
  test("Jo signs in to Lakeside through the demo identity provider, with the keyboard alone", async ({ page }) => {
    await page.goto("/learn/lakeside-college");
    const sso = page.getByRole("link", { name: "Sign in with Lakeside College single sign-on" });
    await expect(sso).toBeVisible();
    await expect(page.getByText("Or sign in with your email address and password")).toBeVisible();
    await expectNoAxeViolations(page);

    await tabTo(page, sso);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/demo-idp\/sso\?SAMLRequest=/);
    await expect(page.getByRole("heading", { level: 1, name: "Sign in to Lakeside College" })).toBeVisible();
    await expectNoAxeViolations(page);

    const jo = page.getByRole("button", { name: /^Sign in as Jo Park/ });
    await tabTo(page, jo);
    await page.keyboard.press("Enter");

    // The demo identity provider posts the signed response to the ACS, which signs Jo in and sends her home.
    await expect(page).toHaveURL(/\/learn\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "My courses" })).toBeVisible();
    const header = page.getByRole("banner");
    await expect(header).toContainText("Jo Park");
    await expect(header).toContainText("Learner, Lakeside Community College");
    await expectNoAxeViolations(page);
  });

  test("Riley signs in on Lakeside's own instructor sign-in page, with the keyboard alone, at 360 px", async ({
    page,
  }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    // The older address still works: it leads to the partner's own page.
    await page.goto("/teach/?institution=lakeside-college");
    await expect(page).toHaveURL(/\/teach\/sign-in\/lakeside-college$/);
    await expect(page).toHaveTitle("Sign in · Lakeside Community College · LearnOps Instructor review");
    await expect(page.getByRole("heading", { level: 1, name: "Sign in to Lakeside Community College" })).toBeVisible();
    const header = page.getByRole("banner");
    await expect(header).toContainText("Lakeside Community College");
    expect(await brandColour(page)).toBe("#7a2e8c");
    const sso = page.getByRole("link", { name: "Sign in with Lakeside College single sign-on" });
    await expect(sso).toHaveAttribute("href", /\/auth\/saml\/lakeside-college\/login\?idp=[0-9a-f-]+&app=teach$/);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("teach-sign-in-lakeside-360.png"), fullPage: true });

    await tabTo(page, sso);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/demo-idp\/sso\?SAMLRequest=/);
    const riley = page.getByRole("button", { name: /^Sign in as Riley Chen/ });
    await tabTo(page, riley);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/teach\/$/);
    await expect(header).toContainText("Riley Chen");
    await expect(header).toContainText("Instructor, Lakeside Community College");
    await expectNoAxeViolations(page);
  });

  test("the admin console has each partner's sign-in page too, in its name, logo and colours", async ({ page }) => {
    await page.goto("/admin/?institution=lakeside-college");
    await expect(page).toHaveURL(/\/admin\/sign-in\/lakeside-college$/);
    await expect(page).toHaveTitle("Sign in · Lakeside Community College · LearnOps Admin console");
    await expect(page.getByRole("heading", { level: 1, name: "Sign in to Lakeside Community College" })).toBeVisible();
    await expect(page.getByRole("banner")).toContainText("Lakeside Community College");
    expect(await brandColour(page)).toBe("#7a2e8c");
    await expect(page.getByRole("link", { name: "Sign in with Lakeside College single sign-on" })).toHaveAttribute(
      "href",
      /&app=admin$/,
    );
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("admin-sign-in-lakeside.png"), fullPage: true });

    // A password sign-in here acts in the membership at Lakeside, then opens the console's start page.
    const admin = await addPerson({
      email: uniqueAddress("lakeside-admin"),
      displayName: "Lakeside admin",
      institutionSlug: "lakeside-college",
      role: "course_admin",
    });
    await signIn(page, admin.email);
    await expect(page).toHaveURL(/\/admin\/$/);
    await expect(page.getByRole("banner")).toContainText("Course admin, Lakeside Community College");
    // Signed in, the partner's page leads to the start page.
    await page.goto("/admin/sign-in/lakeside-college");
    await expect(page).toHaveURL(/\/admin\/$/);
  });

  test.describe("a refused sign-in", () => {
    // The ACS answers 400 on purpose: the browser logs the failed page load.
    test.use({ allowedConsoleErrors: [refusedRequest(400)] });

    test("explains the reason in plain words, in the partner's colours, with the way back", async ({ page }) => {
      await page.setViewportSize({ width: 360, height: 780 });
      await page.goto("/learn/lakeside-college");
      await expect(page.getByLabel("Email address")).toBeVisible();
      // A forged response, posted the way an identity provider's page would post it.
      await page.evaluate(() => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = "/auth/saml/lakeside-college/acs";
        const field = document.createElement("input");
        field.type = "hidden";
        field.name = "SAMLResponse";
        field.value = btoa('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x"/>');
        form.append(field);
        document.body.append(form);
        form.submit();
      });
      await expect(page.getByRole("heading", { level: 1, name: "We could not sign you in" })).toBeVisible();
      await expect(page.getByRole("alert")).toHaveText("The sign-in message does not say who you are.");
      await expect(page.getByRole("banner")).toContainText("Lakeside Community College");
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await scanWithAxe(page);

      const back = page.getByRole("link", { name: "Back to the sign-in page" });
      await tabTo(page, back);
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL(/\/learn\/lakeside-college$/);
    });
  });

  test.describe("the admin console", () => {
    // Bad metadata is refused by the API on purpose.
    test.use({ allowedConsoleErrors: [refusedRequest(400)] });

    test("Chloé adds an identity provider from its metadata, sees the SP's addresses, and removes it", async ({
      page,
    }) => {
      await page.goto("/admin/single-sign-on");
      await signIn(page, "chloe.admin@example.org");
      await expect(page).toHaveTitle("Single sign-on · LearnOps Admin");
      await expect(page.getByRole("heading", { level: 1, name: "Single sign-on" })).toBeVisible();
      await expect(page.getByText(/\/auth\/saml\/northwind-health\/metadata$/).first()).toBeVisible();
      await expect(page.getByRole("link", { name: "Download the service-provider metadata" })).toHaveAttribute(
        "href",
        /\/auth\/saml\/northwind-health\/metadata$/,
      );
      await expect(page.getByText("No identity provider yet")).toBeVisible();
      await expectNoAxeViolations(page);

      const name = page.getByLabel("Name on the sign-in button");
      const metadata = page.getByLabel("Identity provider metadata (XML)");
      await name.fill("Northwind staff directory");
      await metadata.fill("<not metadata");
      await page.getByRole("button", { name: "Add identity provider" }).click();
      await expect(metadata).toBeFocused();
      await expect(metadata).toHaveAccessibleDescription("Error: This is not well-formed XML");
      await expectNoAxeViolations(page);

      const body = demoCertificate.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
      await metadata.fill(
        `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.northwind.example.org/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.northwind.example.org/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`,
      );
      await page.getByRole("button", { name: "Add identity provider" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Added the identity provider" })).toHaveText(
        "Added the identity provider “Northwind staff directory”.",
      );
      const row = page.getByRole("row", { name: /Northwind staff directory/ });
      await expect(row).toContainText("https://idp.northwind.example.org/saml");
      await expect(row).toContainText("LearnOps demo identity provider");
      await expectNoAxeViolations(page);

      await row.getByRole("button", { name: "Remove Northwind staff directory" }).click();
      const dialog = page.getByRole("alertdialog", { name: "Remove “Northwind staff directory”?" });
      await expect(dialog).toBeVisible();
      await expectNoAxeViolations(page);
      await dialog.getByRole("button", { name: "Remove identity provider" }).click();
      await expect(page.getByText("Removed the identity provider “Northwind staff directory”.")).toBeVisible();
      await expect(page.getByText("No identity provider yet")).toBeVisible();
    });
  });
});
