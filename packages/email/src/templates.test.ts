import { describe, expect, it } from "vitest";
import { accountExistsEmail, emailVerificationEmail, passwordResetEmail } from "./templates.ts";

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
});
