import { describe, expect, it } from "vitest";
import {
  accountExistsEmail,
  courseCompletedEmail,
  emailVerificationEmail,
  invitationEmail,
  passwordResetEmail,
  serviceProviderKeyRenewalEmail,
} from "./templates.ts";

const resetUrl = "https://learn.example.edu/learn/reset-password?token=abcdefghijklmnopqrstuvwxyz234567";

describe("email templates", () => {
  it("put the link in both bodies, name the institution and say how long the link works", () => {
    const email = passwordResetEmail({
      displayName: "Ada Okafor",
      institutionName: "Northwind Health Academy",
      resetUrl,
      validForMinutes: 60,
    });
    expect(email.subject).toBe("Reset your password for Northwind Health Academy");
    expect(email.text).toContain(`Choose a new password:\n${resetUrl}\n`);
    expect(email.text).toContain("works once, for 1 hour");
    expect(email.text).toContain("Sent by LearnOps on behalf of Northwind Health Academy.");
    expect(email.html).toContain(`href="${resetUrl}"`);
    expect(email.html).toContain(">Choose a new password</a>");
    expect(email.html).toContain('<html lang="en">');
    expect(email.html).toContain("<title>Reset your password for Northwind Health Academy</title>");
  });

  it("read naturally without an institution", () => {
    const email = emailVerificationEmail({
      displayName: "Ada",
      institutionName: null,
      verifyUrl: "https://learn.example.edu/learn/verify-email?token=x",
      validForMinutes: 2 * 24 * 60,
    });
    expect(email.subject).toBe("Confirm your email address");
    expect(email.text).toContain("Thank you for creating an account. Confirm");
    expect(email.text).toContain("works for 2 days");
  });

  it("escape names and addresses in HTML, and keep line breaks out of the subject", () => {
    const email = accountExistsEmail({
      displayName: '<script>alert("x")</script>',
      institutionName: "Lakeside & Co\r\nBcc: someone@example.org",
      signInUrl: "https://learn.example.edu/learn/lakeside",
      resetUrl: 'https://learn.example.edu/learn/reset-password?token=a"b&c=<d>',
      validForMinutes: 60,
    });
    expect(email.subject).toBe("You already have an account for Lakeside & Co Bcc: someone@example.org");
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,");
    expect(email.html).toContain(
      'href="https://learn.example.edu/learn/reset-password?token=a&quot;b&amp;c=&lt;d&gt;"',
    );
    expect(email.html).toContain("Lakeside &amp; Co");
  });

  it("invite a person an admin added: institution and role in the subject, who added them, one link", () => {
    const chooseUrl = "https://learn.example.edu/learn/account/reset-password?token=abcdefghijklmnopqrstuvwxyz234567";
    const email = invitationEmail({
      displayName: "Nia Osei",
      institutionName: "Northwind Health Academy",
      role: "course_admin",
      invitedBy: "Chloé Martin",
      chooseUrl,
      validForMinutes: 7 * 24 * 60,
    });
    expect(email.subject).toBe("You have been added to Northwind Health Academy as a course admin");
    expect(email.text).toContain("Hello Nia Osei,");
    expect(email.text).toContain("Chloé Martin added you to Northwind Health Academy on LearnOps as a course admin.");
    expect(email.text).toContain(`Choose your password:\n${chooseUrl}\n`);
    expect(email.text).toContain("works once, for 7 days");
    expect(email.html.match(/href="[^"]+"/g)).toEqual([`href="${chooseUrl}"`, `href="${chooseUrl}"`]);
    expect(email.html).toContain("<title>You have been added to Northwind Health Academy as a course admin</title>");
  });

  it("congratulate a learner on a completed course with its day, and no link to follow", () => {
    const email = courseCompletedEmail({
      displayName: "Ada Okafor",
      institutionName: "Northwind Health Academy",
      courseTitle: "Dementia Care <Essentials>",
      completedAt: new Date("2027-01-10T09:30:00Z"),
    });
    expect(email.subject).toBe("You completed Dementia Care <Essentials>");
    expect(email.text).toContain(
      "you completed Dementia Care <Essentials> for Northwind Health Academy on 2027-01-10.",
    );
    expect(email.html).toContain("Dementia Care &lt;Essentials&gt;");
    expect(email.html).not.toContain("<a href");
  });

  it("tell single sign-on administrators what their service provider key needs, step by step", () => {
    const recipient = { displayName: "Chloé Martin", institutionName: "Northwind <Health>" };
    const expiresAt = "2027-03-01T00:00:00.000Z";
    const prepare = serviceProviderKeyRenewalEmail({
      ...recipient,
      renewal: { step: "prepare", expiresAt, daysLeft: 1 },
      pageUrl: null,
    });
    expect(prepare.subject).toBe("Single sign-on for Northwind <Health>: the certificate runs out in 1 day");
    expect(prepare.text).toContain("That certificate runs out on 2027-03-01.");
    expect(prepare.text).toContain("Prepare the next key, send its metadata");
    expect(prepare.html).toContain("Northwind &lt;Health&gt;");
    expect(prepare.html).not.toContain("Northwind <Health>");
    const switching = serviceProviderKeyRenewalEmail({
      ...recipient,
      renewal: { step: "switch", expiresAt, daysLeft: 20 },
      pageUrl: "https://learn.example.edu/admin/single-sign-on",
    });
    expect(switching.subject).toBe("Single sign-on for Northwind <Health>: switch to the next key before 2027-03-01");
    expect(switching.text).toContain("the next key is ready");
    // With the console's address known, the page is a link in both bodies.
    expect(switching.text).toContain("Open single sign-on:\nhttps://learn.example.edu/admin/single-sign-on\n");
    expect(switching.html).toContain('href="https://learn.example.edu/admin/single-sign-on"');
    expect(prepare.text).toContain("In the admin console, open Single sign-on.");
    const expired = serviceProviderKeyRenewalEmail({
      ...recipient,
      renewal: { step: "expired", expiresAt },
      pageUrl: null,
    });
    expect(expired.subject).toBe("Single sign-on for Northwind <Health>: the certificate ran out on 2027-03-01");
    expect(expired.text).toContain("may refuse sign-in requests");
  });
});
