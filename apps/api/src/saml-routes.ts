import {
  beginSamlLogout,
  beginSamlSignIn,
  completeIdpLogout,
  completeSamlSignIn,
  isSamlReturnApp,
  SamlEndpointNotFound,
  type SamlInstitution,
  type SamlReturnApp,
  type SamlServices,
  SamlSignInRefused,
  samlMetadata,
  samlSignInPage,
} from "@learnops/api/saml-sign-in";
import { samlRefusalReasons } from "@learnops/auth/saml/refusals";
import { readSessionToken, serializeBlankSessionCookie, serializeSessionCookie } from "@learnops/auth/session-cookie";
import { sessionIdFromToken } from "@learnops/auth/session-tokens";
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";

type SamlEnv = { Variables: { requestId: string; log: Logger } };

// The SAML endpoints of each institution's service provider: metadata, SP-initiated login, and the
// assertion consumer service. The ACS is posted to by the identity provider's page (a cross-site form), so
// it carries no session cookie and needs none; what it proves comes from the signed response alone.

function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Colours come from the database, checked there as #rrggbb; anything else falls back to the default. */
function colour(value: string | null | undefined, fallback: string): string {
  return value && /^#[0-9a-fA-F]{6}$/.test(value) ? value : fallback;
}

/** A small, self-contained, accessible page in the institution's colours: the refusal and the way back. */
export function samlProblemPage(params: {
  institution: Pick<SamlInstitution, "slug" | "display_name" | "primary_colour" | "logo_url"> | null;
  title: string;
  message: string;
  reference: string;
  /** The sign-in page to lead back to; the institution's learner sign-in page unless given. */
  signInHref?: string;
}): string {
  const { institution } = params;
  const name = institution ? escapeHtml(institution.display_name) : "LearnOps";
  const brand = colour(institution?.primary_colour, "#1f2937");
  const signInHref = params.signInHref ?? (institution ? samlSignInPage(institution.slug, "learn") : "/learn/");
  const logo = institution?.logo_url?.startsWith("https://")
    ? `<img src="${escapeHtml(institution.logo_url)}" alt="" height="40">`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(params.title)} · ${name}</title>
<style>
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #f9fafb; line-height: 1.5; }
  header { background: ${brand}; color: #fff; padding: 1rem 1.5rem; display: flex; gap: 0.75rem; align-items: center; }
  header p { margin: 0; font-weight: 600; font-size: 1.125rem; }
  main { max-width: 40rem; margin: 2rem auto; padding: 0 1.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  .problem { background: #fff; border: 1px solid #d1d5db; border-left: 0.375rem solid #b91c1c; border-radius: 0.5rem; padding: 1rem 1.25rem; }
  a { color: #1d4ed8; font-weight: 600; }
  a:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
  .reference { color: #4b5563; font-size: 0.875rem; }
</style>
</head>
<body>
<header>${logo}<p>${name}</p></header>
<main>
<h1>${escapeHtml(params.title)}</h1>
<div class="problem" role="alert"><p>${escapeHtml(params.message)}</p></div>
<p><a href="${signInHref}">Back to the sign-in page</a></p>
<p class="reference">Reference for support: ${escapeHtml(params.reference)}</p>
</main>
</body>
</html>`;
}

function problem(
  c: Context<SamlEnv>,
  status: 400 | 403 | 404,
  institution: SamlInstitution | null,
  title: string,
  message: string,
  app: SamlReturnApp = "learn",
) {
  c.header("Cache-Control", "no-store");
  const signInHref = institution ? samlSignInPage(institution.slug, app) : "/learn/";
  return c.html(samlProblemPage({ institution, title, message, reference: c.get("requestId"), signInHref }), status);
}

function notFoundPage(c: Context<SamlEnv>, error: SamlEndpointNotFound) {
  return problem(
    c,
    404,
    null,
    `${error.what} not found`,
    `${error.what} was not found. Check the address, or start again from the sign-in page.`,
  );
}

export function mountSamlRoutes(
  app: Hono<SamlEnv>,
  options: { services: SamlServices; secureCookies: boolean; clientAddress: (c: Context<SamlEnv>) => string | null },
): void {
  const { services } = options;

  app.get("/auth/saml/:institution/metadata", async (c) => {
    try {
      const xml = await samlMetadata(services, c.req.param("institution"));
      return c.body(xml, 200, {
        "Content-Type": "application/samlmetadata+xml; charset=utf-8",
        "Content-Disposition": `attachment; filename="learnops-${c.req.param("institution")}-sp-metadata.xml"`,
      });
    } catch (error) {
      if (error instanceof SamlEndpointNotFound) return notFoundPage(c, error);
      throw error;
    }
  });

  app.get("/auth/saml/:institution/login", async (c) => {
    const app = c.req.query("app");
    try {
      const { redirectUrl } = await beginSamlSignIn(services, {
        slug: c.req.param("institution"),
        identityProviderId: c.req.query("idp") ?? "",
        app: isSamlReturnApp(app) ? app : "learn",
        now: new Date(),
      });
      c.header("Cache-Control", "no-store");
      return c.redirect(redirectUrl, 302);
    } catch (error) {
      if (error instanceof SamlEndpointNotFound) return notFoundPage(c, error);
      throw error;
    }
  });

  // Single logout. A LogoutRequest from the identity provider (IdP-initiated) is verified as strictly as a
  // login response and ends the sessions it names; a LogoutResponse (the end of an SP-initiated logout)
  // changes nothing here, the session having ended before the browser left, so it only leads back.
  app.get("/auth/saml/:institution/slo", async (c) => {
    try {
      if (c.req.query("SAMLRequest") === undefined) {
        const institution = c.req.param("institution");
        return c.redirect(`/learn/${encodeURIComponent(institution)}`, 303);
      }
      const outcome = await completeIdpLogout(services, {
        slug: c.req.param("institution"),
        url: c.req.url,
        requestId: c.get("requestId"),
        ip: options.clientAddress(c),
        now: new Date(),
      });
      c.header("Cache-Control", "no-store");
      if (outcome.redirectUrl) return c.redirect(outcome.redirectUrl, 302);
      return c.html(
        samlProblemPage({
          institution: outcome.institution,
          title: "You are signed out",
          message: "Your institution signed you out of LearnOps.",
          reference: c.get("requestId"),
        }).replace('class="problem" role="alert"', 'class="problem" role="status"'),
        200,
      );
    } catch (error) {
      if (error instanceof SamlEndpointNotFound) return notFoundPage(c, error);
      if (error instanceof SamlSignInRefused) {
        c.get("log").warn({ reason: error.refusal.reason, detail: error.refusal.detail }, "SAML logout refused");
        return problem(
          c,
          400,
          error.institution,
          "We could not sign you out",
          samlRefusalReasons[error.refusal.reason],
        );
      }
      throw error;
    }
  });

  /** SP-initiated logout: ends this session, then lets the identity provider end its own where it can. */
  app.get("/auth/saml/:institution/logout", async (c) => {
    try {
      const token = readSessionToken(c.req.header("cookie") ?? null);
      const { redirectUrl } = await beginSamlLogout(services, {
        slug: c.req.param("institution"),
        sessionId: token ? sessionIdFromToken(token) : null,
        requestId: c.get("requestId"),
        ip: options.clientAddress(c),
      });
      c.header("Set-Cookie", serializeBlankSessionCookie({ secure: options.secureCookies }));
      c.header("Cache-Control", "no-store");
      return c.redirect(redirectUrl, 303);
    } catch (error) {
      if (error instanceof SamlEndpointNotFound) return notFoundPage(c, error);
      throw error;
    }
  });

  app.post(
    "/auth/saml/:institution/acs",
    bodyLimit({ maxSize: 512 * 1024, onError: (c) => c.text("Too large", 413) }),
    async (c) => {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const samlResponse = typeof form.SAMLResponse === "string" ? form.SAMLResponse : "";
      // Echoed by the identity provider, unauthenticated: it only chooses which app's sign-in page a refusal
      // page links to.
      const relayState = typeof form.RelayState === "string" ? form.RelayState : undefined;
      const now = new Date();
      try {
        const signedIn = await completeSamlSignIn(services, {
          slug: c.req.param("institution"),
          samlResponse,
          ip: options.clientAddress(c),
          userAgent: c.req.header("user-agent") ?? null,
          requestId: c.get("requestId"),
          now,
        });
        c.header(
          "Set-Cookie",
          serializeSessionCookie(signedIn.token, {
            expiresAt: signedIn.absoluteExpiresAt,
            secure: options.secureCookies,
            now,
          }),
        );
        c.header("Cache-Control", "no-store");
        return c.redirect(signedIn.returnTo, 303);
      } catch (error) {
        if (error instanceof SamlEndpointNotFound) return notFoundPage(c, error);
        if (error instanceof SamlSignInRefused) {
          c.get("log").warn(
            { reason: error.refusal.reason, detail: error.refusal.detail, institution: error.institution.slug },
            "SAML sign-in refused",
          );
          const status = ["account_suspended", "membership_suspended", "account_link_required"].includes(
            error.refusal.reason,
          )
            ? 403
            : 400;
          return problem(
            c,
            status,
            error.institution,
            "We could not sign you in",
            samlRefusalReasons[error.refusal.reason],
            isSamlReturnApp(relayState) ? relayState : "learn",
          );
        }
        throw error;
      }
    },
  );
}
