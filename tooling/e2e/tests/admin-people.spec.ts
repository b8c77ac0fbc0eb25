import type { Locator, Page } from "@playwright/test";
import { expectNoAxeViolations } from "../src/axe.ts";
import { addPerson, captureEmails, linkIn, newestEmailTo, uniqueAddress } from "../src/database.ts";
import { expect, horizontalOverflow, refusedRequest, signIn, tabTo, test } from "../src/test.ts";

// Chloé (course admin at Northwind) works only on people she adds herself; the support agent and the client
// manager are people of this spec's own, as other specs end the sessions of Sam, Kim and Pat.
test.beforeAll(async () => {
  await captureEmails();
});

/** Opens a react-aria select by its label and picks an option, as a pointer user would. */
async function choose(page: Page, within: Locator, label: string, option: string): Promise<void> {
  await within.getByRole("button", { name: new RegExp(`^${label}\\b|\\b${label}$`) }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

/** One person's block in the list, named by its heading. */
function personItem(page: Page, displayName: string): Locator {
  return page.getByRole("listitem", { name: displayName, exact: true });
}

async function openPeople(page: Page, email: string, password?: string): Promise<void> {
  await page.goto("/admin/people");
  await signIn(page, email, password);
  await expect(page).toHaveTitle("People · LearnOps Admin");
  await expect(page.getByRole("heading", { level: 1, name: "People" })).toBeVisible();
}

test.describe("admin console: people", () => {
  test.use({ allowedConsoleErrors: [refusedRequest(400)] });
  // Each test is a whole task with an accessibility scan at every step: more than the default 30 s allows on a
  // busy machine.
  test.describe.configure({ timeout: 60_000 });

  test("Chloé searches by the start of a name, with the search in the address", async ({ page }) => {
    await openPeople(page, "chloe.admin@example.org");
    await expect(
      page.getByRole("navigation", { name: "Admin console sections" }).getByRole("link", { name: "People" }),
    ).toHaveAttribute("aria-current", "page");
    await expect(personItem(page, "Ada Okafor")).toContainText("Learner");
    await expect(personItem(page, "Ada Okafor")).toContainText("Contoso Clinics");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("people-desktop.png"), fullPage: true });

    // The search is in the address, so it survives a reload and can be shared.
    await page.getByLabel("Search by name or email").fill("ivan");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page).toHaveURL(/\/admin\/people\?search=ivan$/);
    const results = page.getByRole("region", { name: "People matching “ivan”" });
    await expect(results.getByRole("heading", { level: 3 })).toHaveText(["Ivan Petrov"]);
    await page.reload();
    await expect(page.getByLabel("Search by name or email")).toHaveValue("ivan");
    await expect(results.getByRole("heading", { level: 3 })).toHaveText(["Ivan Petrov"]);
    await expectNoAxeViolations(page);

    await page.getByLabel("Search by name or email").fill("nobody-by-this-name");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page.getByText("Nobody’s name or email starts with “nobody-by-this-name”")).toBeVisible();
    await expectNoAxeViolations(page);
  });

  test("Chloé adds a person, changes their role, suspends and reactivates it, invites again, then removes it", async ({
    page,
  }) => {
    test.setTimeout(90_000);
    await openPeople(page, "chloe.admin@example.org");

    // Adding: each problem is named at its field.
    await page.getByRole("button", { name: "Add person" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a person to Northwind Health Academy" });
    await expect(dialog.getByLabel("Email address")).toBeFocused();
    await dialog.getByRole("button", { name: "Add person" }).click();
    // Focus goes to the first field to fix.
    await expect(dialog.getByLabel("Email address")).toBeFocused();
    await expect(dialog.getByLabel("Email address")).toHaveAttribute("aria-invalid", "true");
    await expect(dialog.getByLabel("Email address")).toHaveAccessibleDescription(/Enter an email address/);
    await expect(dialog.getByLabel("Full name")).toHaveAccessibleDescription(/Enter the person's name/);
    await expectNoAxeViolations(page);

    const address = uniqueAddress("nia");
    const name = `Nia Osei ${address.split("@")[0]?.split(".")[1]}`;
    await dialog.getByLabel("Email address").fill(address);
    await dialog.getByLabel("Full name").fill(name);
    await choose(page, dialog, "Role", "Instructor");
    await expect(dialog.getByRole("button", { name: /Client group/ })).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath("people-add-desktop.png") });
    await dialog.getByRole("button", { name: "Add person" }).click();
    await expect(dialog).toHaveCount(0);
    const notice = page.getByRole("status").filter({ hasText: "was added" });
    await expect(notice).toHaveText(
      `${name} was added as instructor. We emailed ${address} a link to choose a password; it works for 7 days.`,
    );

    // The invitation is on its way, with a link to choose a password.
    const invitation = await newestEmailTo(address, { kind: "invitation" });
    expect(invitation.subject).toBe("You have been added to Northwind Health Academy as an instructor");
    expect(linkIn(invitation, "/learn/account/reset-password").searchParams.get("token")).toMatch(/^[a-z2-7]{32}$/);

    await page.getByLabel("Search by name or email").fill(address);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const person = personItem(page, name);
    await expect(person).toContainText("No password yet");
    await expect(person).toContainText("Instructor");

    // Change role: a learner of one of the institution's client groups.
    await person.getByRole("button", { name: /^Change role/ }).click();
    const change = page.getByRole("dialog", { name: `Change ${name}’s role` });
    await choose(page, change, "New role", "Learner");
    await choose(page, change, "Client group", "Fabrikam Care Homes");
    await expectNoAxeViolations(page);
    await change.getByRole("button", { name: "Change role" }).click();
    await expect(page.getByRole("status").filter({ hasText: "is now" })).toHaveText(
      `${name} is now learner of Fabrikam Care Homes (was instructor).`,
    );
    const role = person.getByRole("list", { name: `${name}’s roles here` }).getByRole("listitem");
    await expect(role).toContainText("Learner");
    await expect(role).toContainText("Fabrikam Care Homes");

    // Suspend, then reactivate: focus stays on the button, which now offers the way back.
    const suspend = person.getByRole("button", { name: `Suspend ${name}, learner of Fabrikam Care Homes` });
    await suspend.click();
    await expect(page.getByRole("status").filter({ hasText: "can no longer act" })).toContainText(
      `${name} can no longer act as learner of Fabrikam Care Homes`,
    );
    await expect(role).toContainText("Suspended");
    const reactivate = person.getByRole("button", { name: `Reactivate ${name}, learner of Fabrikam Care Homes` });
    await expect(reactivate).toBeFocused();
    await expectNoAxeViolations(page);
    await reactivate.click();
    await expect(page.getByRole("status").filter({ hasText: "again" })).toHaveText(
      `${name} can act as learner of Fabrikam Care Homes again.`,
    );
    await expect(role).toContainText("Active");

    // A fresh invitation replaces the first.
    await person.getByRole("button", { name: `Resend invitation to ${name}` }).click();
    await expect(page.getByRole("status").filter({ hasText: "new invitation" })).toHaveText(
      `A new invitation is on its way to ${address}; earlier links no longer work.`,
    );

    // Removing asks first, and says what it means.
    await person.getByRole("button", { name: /^Remove / }).click();
    const confirm = page.getByRole("alertdialog", { name: `Remove ${name} as learner of Fabrikam Care Homes?` });
    await expect(confirm).toContainText("This is");
    await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
    await expectNoAxeViolations(page);
    await confirm.getByRole("button", { name: "Remove" }).click();
    const removed = page.getByRole("status").filter({ hasText: "was removed" });
    await expect(removed).toHaveText(`${name} was removed: they no longer belong to your institution.`);
    await expect(person).toHaveCount(0);
    await expect(removed).toBeFocused();
    await expectNoAxeViolations(page);
  });

  test("pages go by cursor, with the page in the address", async ({ page }) => {
    const prefix = `pager${Date.now().toString(36)}`;
    for (let index = 0; index < 26; index += 1) {
      await addPerson({
        email: `${prefix}.${String(index).padStart(2, "0")}@example.org`,
        displayName: `Page Person ${index}`,
        institutionSlug: "northwind-health",
        role: "learner",
      });
    }
    await openPeople(page, "chloe.admin@example.org");
    await page.getByLabel("Search by name or email").fill(prefix);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const results = page.getByRole("region", { name: `People matching “${prefix}”` });
    await expect(results.getByRole("heading", { level: 3 }).first()).toHaveText("Page Person 0");
    await expect(results.getByRole("heading", { level: 3 })).toHaveCount(25);
    await expect(results).toContainText("25 people on this page, by email; more on the next page.");

    await page.getByRole("button", { name: "Next page" }).click();
    await expect(page).toHaveURL(new RegExp(`search=${prefix}&after=${prefix}.24%40example.org$`));
    await expect(results.getByRole("heading", { level: 3 })).toHaveText(["Page Person 25"]);
    // The list starts again at its heading, where focus now is.
    await expect(results.getByRole("heading", { level: 2 })).toBeFocused();
    await expect(page.getByRole("button", { name: "Next page" })).toHaveCount(0);
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Previous page" }).click();
    await expect(results.getByRole("heading", { level: 3 })).toHaveCount(25);
    await page.goBack();
    await expect(results.getByRole("heading", { level: 3 })).toHaveText(["Page Person 25"]);
  });

  test("by keyboard alone, Chloé adds a client manager, whose invitation lets them in to a read-only view", async ({
    page,
    request,
  }) => {
    await openPeople(page, "chloe.admin@example.org");
    const address = uniqueAddress("manager");
    const name = `Mina Clark ${address.split("@")[0]?.split(".")[1]}`;

    await tabTo(page, page.getByRole("button", { name: "Add person" }));
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Add a person to Northwind Health Academy" });
    await expect(dialog.getByLabel("Email address")).toBeFocused();
    await page.keyboard.type(address);
    await page.keyboard.press("Tab");
    await expect(dialog.getByLabel("Full name")).toBeFocused();
    await page.keyboard.type(name);
    await page.keyboard.press("Tab");
    // The role select: arrows open it, typing finds an option, Enter chooses it.
    await page.keyboard.press("ArrowDown");
    await expect(page.getByRole("listbox")).toBeVisible();
    await page.keyboard.type("Client");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("listbox")).toHaveCount(0);
    // The closed list gives focus back to its select: only then does Tab go on to the next field.
    await expect(dialog.getByRole("button", { name: /Client manager/ })).toBeFocused();
    await page.keyboard.press("Tab");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.type("Contoso");
    await page.keyboard.press("Enter");
    await expect(dialog.getByRole("button", { name: /Contoso Clinics/ })).toBeFocused();
    await tabTo(page, dialog.getByRole("button", { name: "Add person" }));
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "was added" })).toContainText(
      `${name} was added as client manager of Contoso Clinics.`,
    );
    // The dialog returned focus to the button that opened it.
    await expect(page.getByRole("button", { name: "Add person" })).toBeFocused();

    // The invitation's link sets a password; the manager can then sign in.
    const invitation = await newestEmailTo(address, { kind: "invitation" });
    expect(invitation.subject).toBe("You have been added to Northwind Health Academy as a client manager");
    const token = linkIn(invitation, "/learn/account/reset-password").searchParams.get("token");
    const password = "a first passphrase for the manager";
    const origin = new URL(page.url()).origin;
    const chosen = await request.post("/trpc/account.resetPassword", {
      headers: { Origin: origin },
      data: { token, newPassword: password },
    });
    expect(chosen.status()).toBe(200);

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await signIn(page, address, password);
    await expect(page.getByRole("heading", { level: 1, name: "People" })).toBeVisible();
    await expect(page.getByText("The people of your client group and their roles.")).toBeVisible();
    const results = page.getByRole("region", { name: "People" });
    await expect(personItem(page, "Ada Okafor")).toBeVisible();
    await expect(page.getByRole("listitem", { name: `${name} (you)`, exact: true })).toContainText("Client manager");
    await expect(personItem(page, "Chloé Martin")).toHaveCount(0);
    await expect(personItem(page, "Ivan Petrov")).toHaveCount(0);
    // Everyone listed belongs to Contoso Clinics, and nothing can be changed from here.
    for (const item of await results.getByRole("list", { name: /roles here$/ }).all()) {
      await expect(item).toContainText("Contoso Clinics");
    }
    await expect(results.getByRole("button")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Add person" })).toHaveCount(0);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("people-manager-desktop.png"), fullPage: true });
  });

  test("a support agent acts as Ada for a stated reason and lands in the learner portal as her", async ({ page }) => {
    const agent = await addPerson({
      email: uniqueAddress("agent"),
      displayName: "Sol Porter",
      institutionSlug: "northwind-health",
      role: "support_agent",
    });
    await openPeople(page, agent.email, agent.password);
    await page.getByLabel("Search by name or email").fill("ada.learner");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const ada = personItem(page, "Ada Okafor");
    // A support agent helps people sign in and sees what they see; changing roles is for admins.
    await expect(ada.getByRole("button")).toHaveText(["Act as"]);
    await expectNoAxeViolations(page);

    await ada.getByRole("button", { name: "Act as Ada Okafor" }).click();
    const dialog = page.getByRole("dialog", { name: "Act as Ada Okafor" });
    await expect(dialog.getByLabel("Reason")).toBeFocused();
    await dialog.getByLabel("Reason").fill("help");
    await dialog.getByRole("button", { name: "Act as Ada Okafor" }).click();
    await expect(dialog.getByLabel("Reason")).toBeFocused();
    await expect(dialog.getByLabel("Reason")).toHaveAccessibleDescription(/at least 10 characters/);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("people-act-as-desktop.png") });

    await dialog.getByLabel("Reason").fill("Ada cannot find her enrolments (ticket 4711)");
    await choose(page, dialog, "For how long", "15 minutes");
    await dialog.getByRole("button", { name: "Act as Ada Okafor" }).click();
    await expect(page).toHaveURL(/\/learn\/$/);
    await expect(page.getByRole("banner")).toContainText("Ada Okafor");
    await page.screenshot({ path: test.info().outputPath("people-acting-as-learner.png") });

    const session = await page.request.get("/trpc/me.session");
    const view = (await session.json()) as {
      result: { data: { user: { email: string }; actingAs: { realUser: { email: string }; reason: string } } };
    };
    expect(view.result.data.user.email).toBe("ada.learner@example.org");
    expect(view.result.data.actingAs).toMatchObject({
      realUser: { email: agent.email },
      reason: "Ada cannot find her enrolments (ticket 4711)",
    });
    await expectNoAxeViolations(page);
  });

  test("works at 360 px wide: no sideways scrolling, dialogs included", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 780 });
    await openPeople(page, "chloe.admin@example.org");
    await expect(personItem(page, "Ada Okafor")).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("people-360.png"), fullPage: true });

    await page.getByRole("button", { name: "Add person" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a person to Northwind Health Academy" });
    await choose(page, dialog, "Role", "Client manager");
    await expect(dialog.getByRole("button", { name: /Client group/ })).toBeVisible();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath("people-add-360.png") });
  });
});
