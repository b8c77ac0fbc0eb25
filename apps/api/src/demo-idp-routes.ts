import {
  demoIdentityProviderMetadata,
  demoIdentityProviderPeople,
  demoLoginResponse,
  readDemoAuthnRequest,
} from "@learnops/auth/saml/demo-identity-provider";
import type { Context, Hono } from "hono";
import type { Logger } from "pino";

type DemoEnv = { Variables: { requestId: string; log: Logger } };

// The demo identity provider's pages (demo mode only: see packages/auth/src/saml/demo-identity-provider.ts).
// Plain server-rendered HTML, usable with a keyboard and a screen reader: one heading, one button per person.

function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function page(title: string, body: string, script = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #f3f4f6; line-height: 1.5; }
  header { background: #7a2e8c; color: #fff; padding: 1rem 1.5rem; }
  header p { margin: 0; font-weight: 600; }
  main { max-width: 40rem; margin: 2rem auto; padding: 0 1.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 0.5rem; }
  .note { background: #fff7ed; border: 1px solid #c2410c; border-radius: 0.5rem; padding: 0.75rem 1rem; }
  ul { list-style: none; padding: 0; display: grid; gap: 0.75rem; }
  button { font: inherit; width: 100%; text-align: left; padding: 0.75rem 1rem; border: 2px solid #7a2e8c; border-radius: 0.5rem; background: #fff; color: #111827; cursor: pointer; }
  button:hover { background: #f5e9f8; }
  button:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
  button strong { display: block; }
  .who { color: #374151; }
</style>
</head>
<body>
<header><p>Lakeside College single sign-on</p></header>
<main>
${body}
</main>
${script}
</body>
</html>`;
}

export function mountDemoIdentityProvider(app: Hono<DemoEnv>, options: { publicUrl: string }): void {
  const { publicUrl } = options;

  app.get("/demo-idp/metadata", (c) =>
    c.body(demoIdentityProviderMetadata(publicUrl), 200, {
      "Content-Type": "application/samlmetadata+xml; charset=utf-8",
    }),
  );

  const refuse = (c: Context<DemoEnv>, message: string) =>
    c.html(
      page("Demo sign-in refused", `<h1>Demo sign-in refused</h1><p role="alert">${escapeHtml(message)}</p>`),
      400,
    );

  app.get("/demo-idp/sso", (c) => {
    try {
      readDemoAuthnRequest(publicUrl, c.req.url);
    } catch (error) {
      return refuse(c, (error as Error).message);
    }
    const hidden = ["SAMLRequest", "RelayState"]
      .map((name) => [name, c.req.query(name)] as const)
      .filter((entry): entry is readonly [string, string] => typeof entry[1] === "string")
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
      .join("");
    const people = demoIdentityProviderPeople
      .map(
        (person) =>
          `<li><form method="post" action="/demo-idp/sso">${hidden}<input type="hidden" name="person" value="${escapeHtml(person.nameId)}"><button type="submit"><strong>Sign in as ${escapeHtml(`${person.givenName} ${person.familyName}`)}</strong><span class="who">${escapeHtml(person.email)}, ${escapeHtml(person.role)}: ${escapeHtml(person.description)}</span></button></form></li>`,
      )
      .join("");
    c.header("Cache-Control", "no-store");
    return c.html(
      page(
        "Sign in · Lakeside College single sign-on",
        `<h1>Sign in to Lakeside College</h1>
<p class="note">This is the demo identity provider: it signs in whoever you choose, without a password. It exists only in demo mode.</p>
<h2>Choose a person</h2>
<ul>${people}</ul>`,
      ),
    );
  });

  app.post("/demo-idp/sso", async (c) => {
    const form = await c.req.parseBody();
    const samlRequest = typeof form.SAMLRequest === "string" ? form.SAMLRequest : "";
    const person = demoIdentityProviderPeople.find((candidate) => candidate.nameId === form.person);
    let request: ReturnType<typeof readDemoAuthnRequest>;
    try {
      const url = new URL("/demo-idp/sso", publicUrl);
      url.searchParams.set("SAMLRequest", samlRequest);
      request = readDemoAuthnRequest(publicUrl, url.toString());
    } catch (error) {
      return refuse(c, (error as Error).message);
    }
    if (!person) return refuse(c, "Choose one of the demo people.");
    const samlResponse = demoLoginResponse(publicUrl, request, person);
    c.header("Cache-Control", "no-store");
    // The HTTP-POST binding: the browser carries the signed response to the ACS. The button is there for
    // anyone whose browser does not run the script.
    return c.html(
      page(
        "Signing you in…",
        `<h1>Signing you in…</h1>
<form method="post" action="${escapeHtml(request.acsUrl)}">
<input type="hidden" name="SAMLResponse" value="${escapeHtml(samlResponse)}">${typeof form.RelayState === "string" ? `<input type="hidden" name="RelayState" value="${escapeHtml(form.RelayState)}">` : ""}
<button type="submit"><strong>Continue to LearnOps</strong></button>
</form>`,
        "<script>document.forms[0].submit()</script>",
      ),
    );
  });
}
