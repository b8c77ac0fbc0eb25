/**
 * The messages the platform sends, each as plain text and as simple HTML: one column, real headings and
 * paragraphs, a link that says where it goes (never "click here"), the address spelled out for readers
 * whose client strips links, and colours that keep WCAG AA contrast. Inline styles only: mail clients
 * drop style sheets.
 */
import type { Role } from "@learnops/contracts/auth";
import type { KeyRenewal } from "@learnops/contracts/identity-providers";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface Recipient {
  displayName: string;
  /** The institution the person came through (its sign-in or registration page), when known. */
  institutionName: string | null;
}

const htmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => htmlEscapes[character] ?? character);
}

/** Markup that is already escaped (or ours), inserted into a template as it is. */
class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}

/** An HTML template literal: every inserted value is escaped unless it is `SafeHtml`. */
function html(strings: TemplateStringsArray, ...values: (string | number | SafeHtml)[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += (value instanceof SafeHtml ? value.value : escapeHtml(String(value))) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(out);
}

const colours = { text: "#1f2937", muted: "#4b5563", link: "#1d4ed8", buttonText: "#ffffff" } as const;

interface Layout {
  subject: string;
  heading: string;
  greeting: string;
  /** Paragraphs before the action. */
  lead: string[];
  action: { label: string; url: string } | null;
  /** Paragraphs after the action, shown quieter. */
  after: string[];
  footer: string;
}

function render(unsafeLayout: Layout): RenderedEmail {
  // Names come from people and institutions; a line break in a subject would start a new mail header.
  const layout = { ...unsafeLayout, subject: unsafeLayout.subject.replace(/\s+/g, " ").trim() };
  const text = [
    layout.greeting,
    "",
    ...layout.lead.flatMap((paragraph) => [paragraph, ""]),
    ...(layout.action ? [`${layout.action.label}:`, layout.action.url, ""] : []),
    ...layout.after.flatMap((paragraph) => [paragraph, ""]),
    "—",
    layout.footer,
    "",
  ].join("\n");

  const paragraph = (content: string, colour: string = colours.text) =>
    html`<p style="margin:0 0 16px;color:${colour}">${content}</p>`;
  const paragraphs = (contents: string[], colour?: string) =>
    new SafeHtml(contents.map((content) => paragraph(content, colour).value).join("\n"));
  const action = layout.action
    ? html`<p style="margin:24px 0"><a href="${layout.action.url}" style="display:inline-block;padding:12px 20px;border-radius:6px;background:${colours.link};color:${colours.buttonText};font-weight:600;text-decoration:none">${layout.action.label}</a></p>
<p style="margin:0 0 16px;color:${colours.muted}">If the button does not work, copy this address into your browser:<br><a href="${layout.action.url}" style="color:${colours.link};word-break:break-all">${layout.action.url}</a></p>`
    : new SafeHtml("");
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${layout.subject}</title>
</head>
<body style="margin:0;padding:24px 16px;background:#ffffff;color:${colours.text};font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5">
<div role="article" aria-roledescription="email" aria-label="${layout.subject}" style="max-width:560px;margin:0 auto">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:${colours.text}">${layout.heading}</h1>
${paragraph(layout.greeting)}
${paragraphs(layout.lead)}
${action}
${paragraphs(layout.after, colours.muted)}
<hr style="border:none;border-top:1px solid #d1d5db;margin:24px 0">
<p style="margin:0;font-size:14px;color:${colours.muted}">${layout.footer}</p>
</div>
</body>
</html>
`;
  return { subject: layout.subject, text, html: body.value };
}

function footerFor(recipient: Recipient): string {
  return recipient.institutionName
    ? `Sent by LearnOps on behalf of ${recipient.institutionName}.`
    : "Sent by LearnOps, the learning platform of your institution.";
}

function forInstitution(recipient: Recipient): string {
  return recipient.institutionName ? ` for ${recipient.institutionName}` : "";
}

function duration(minutes: number): string {
  if (minutes % (24 * 60) === 0) {
    const days = minutes / (24 * 60);
    return `${days} day${days === 1 ? "" : "s"}`;
  }
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return `${hours} hour${hours === 1 ? "" : "s"}`;
  }
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** A link to choose a new password, asked for on the "forgot your password" page. */
export function passwordResetEmail(params: Recipient & { resetUrl: string; validForMinutes: number }): RenderedEmail {
  return render({
    subject: `Reset your password${forInstitution(params)}`,
    heading: "Choose a new password",
    greeting: `Hello ${params.displayName},`,
    lead: [
      `We received a request to reset the password of your account${forInstitution(params)}. ` +
        `The link below works once, for ${duration(params.validForMinutes)}.`,
    ],
    action: { label: "Choose a new password", url: params.resetUrl },
    after: [
      "Choosing a new password signs you out on every device.",
      "If you did not ask for this, you can ignore this email: your password stays as it is.",
    ],
    footer: footerFor(params),
  });
}

/** Confirms the address of a newly registered account; it cannot sign in before. */
export function emailVerificationEmail(
  params: Recipient & { verifyUrl: string; validForMinutes: number },
): RenderedEmail {
  return render({
    subject: `Confirm your email address${forInstitution(params)}`,
    heading: "Confirm your email address",
    greeting: `Hello ${params.displayName},`,
    lead: [
      `Thank you for creating an account${forInstitution(params)}. ` +
        `Confirm that this address is yours to start learning. The link works for ${duration(params.validForMinutes)}.`,
    ],
    action: { label: "Confirm my email address", url: params.verifyUrl },
    after: ["If you did not create this account, you can ignore this email: it will not be activated."],
    footer: footerFor(params),
  });
}

/**
 * Sent instead of a second account when someone registers with an address that already has one: the
 * person learns of the attempt, and the form answers the same whoever owns the address.
 */
export function accountExistsEmail(
  params: Recipient & { signInUrl: string; resetUrl: string; validForMinutes: number },
): RenderedEmail {
  return render({
    subject: `You already have an account${forInstitution(params)}`,
    heading: "You already have an account",
    greeting: `Hello ${params.displayName},`,
    lead: [
      `Someone, probably you, tried to register${forInstitution(params)} with this email address. ` +
        "It already belongs to your account, so nothing new was created.",
      `Sign in at ${params.signInUrl}. If you do not remember your password, choose a new one with the ` +
        `link below; it works once, for ${duration(params.validForMinutes)}.`,
    ],
    action: { label: "Choose a new password", url: params.resetUrl },
    after: ["If this was not you, you can ignore this email: your account is unchanged."],
    footer: footerFor(params),
  });
}

const roleNames: Record<Role, string> = {
  learner: "a learner",
  instructor: "an instructor",
  course_admin: "a course admin",
  support_agent: "a support agent",
  client_manager: "a client manager",
  platform_admin: "a platform admin",
};

/**
 * Sent when an admin adds a person whose account has no password yet (a new account, or one that never chose
 * one): the link lets them choose it, and so sign in for the first time.
 */
export function invitationEmail(
  params: Recipient & { role: Role; invitedBy: string; chooseUrl: string; validForMinutes: number },
): RenderedEmail {
  const institution = params.institutionName ?? "LearnOps";
  return render({
    subject: `You have been added to ${institution} as ${roleNames[params.role]}`,
    heading: `Welcome to ${institution}`,
    greeting: `Hello ${params.displayName},`,
    lead: [
      `${params.invitedBy} added you to ${institution} on LearnOps as ${roleNames[params.role]}. ` +
        "Choose your password to sign in for the first time.",
      `The link below works once, for ${duration(params.validForMinutes)}. If it has run out, ask ` +
        `${params.invitedBy} to send you a new one, or use “Forgot your password?” on the sign-in page.`,
    ],
    action: { label: "Choose your password", url: params.chooseUrl },
    after: ["If you did not expect this, you can ignore this email: the account has no password until you choose one."],
    footer: footerFor(params),
  });
}

/** Sent once when a learner meets a course's completion rules (the course-completed job). */
export function courseCompletedEmail(params: Recipient & { courseTitle: string; completedAt: Date }): RenderedEmail {
  const day = params.completedAt.toISOString().slice(0, 10);
  return render({
    subject: `You completed ${params.courseTitle}`,
    heading: "Course completed",
    greeting: `Hello ${params.displayName},`,
    lead: [
      `Congratulations: you completed ${params.courseTitle}${forInstitution(params)} on ${day}.`,
      "Your progress stays in My courses when you sign in, where you can look back at every lesson.",
    ],
    action: null,
    after: ["If your course leads to a certificate, we will tell you as soon as it is ready."],
    footer: footerFor(params),
  });
}

/**
 * Sent to an institution's single sign-on administrators (the service-provider key renewal job), once per
 * key and step: the current certificate runs out within the lead time, the next key is ready to switch to,
 * or the certificate has run out.
 */
export function serviceProviderKeyRenewalEmail(
  params: Recipient & {
    institutionName: string;
    /** What the key needs (`keyRenewalDue`), when it needs anything. */
    renewal: Exclude<KeyRenewal, { step: "none" }>;
    /** The console's single sign-on page, when the sender knows where the platform is reached. */
    pageUrl: string | null;
  },
): RenderedEmail {
  const { renewal } = params;
  const day = renewal.expiresAt.slice(0, 10);
  const where = params.pageUrl
    ? "Open the single sign-on page of the admin console (below)."
    : "In the admin console, open Single sign-on.";
  const uses =
    `LearnOps signs its SAML sign-in requests for ${params.institutionName}, and identity providers encrypt ` +
    "what they send back, with the service provider key whose certificate is in your identity providers' metadata.";
  const sendMetadata = "send its metadata to your identity providers' administrators";
  let layout: Pick<Layout, "subject" | "heading" | "lead">;
  switch (renewal.step) {
    case "prepare":
      layout = {
        subject: `Single sign-on for ${params.institutionName}: the certificate runs out in ${plural(renewal.daysLeft, "day")}`,
        heading: "Prepare the next single sign-on key",
        lead: [
          `${uses} That certificate runs out on ${day}.`,
          `${where} Prepare the next key, ${sendMetadata}, and switch to it once they have loaded it.`,
        ],
      };
      break;
    case "switch":
      layout = {
        subject: `Single sign-on for ${params.institutionName}: switch to the next key before ${day}`,
        heading: "Switch to the next single sign-on key",
        lead: [
          `${uses} The current certificate runs out on ${day}, and the next key is ready.`,
          `${where} Once your identity providers have loaded the next key's metadata, switch to it.`,
        ],
      };
      break;
    case "expired":
      layout = {
        subject: `Single sign-on for ${params.institutionName}: the certificate ran out on ${day}`,
        heading: "The single sign-on certificate has run out",
        lead: [
          `${uses} That certificate ran out on ${day}: identity providers that check it may refuse sign-in requests.`,
          `${where} Prepare a new key, ${sendMetadata}, and switch to it.`,
        ],
      };
      break;
  }
  return render({
    ...layout,
    greeting: `Hello ${params.displayName},`,
    action: params.pageUrl ? { label: "Open single sign-on", url: params.pageUrl } : null,
    after: ["You receive this because you manage single sign-on for your institution on LearnOps."],
    footer: footerFor(params),
  });
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
