import { localPublicUrl as publicUrl } from "@learnops/api/context";
import { resolveSession } from "@learnops/api/sessions";
import {
  demoIdentityProviderEndpoints,
  demoIdentityProviderKeys,
  demoIdentityProviderName,
} from "@learnops/auth/saml/demo-identity-provider";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { loadDemoData, loadDemoIdentityProvider } from "@learnops/db/demo-data";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { beforeAll, describe, expect, it } from "vitest";
import { readApiEnv } from "./env.ts";
import { createServer } from "./server.ts";

// The demo identity provider: a real SAML round trip for Lakeside, in demo mode only.

const { appDb, db: ownerDb, jobs } = await setupTestJobQueue();
const demo = createServer({
  services: { db: appDb, jobs, publicUrl },
  log: captureLog().log,
  webAppsDir: null,
  demoIdentityProvider: true,
});
let identityProviderId = "";

beforeAll(async () => {
  await loadDemoData(ownerDb);
  const params = {
    name: demoIdentityProviderName,
    ...demoIdentityProviderEndpoints(publicUrl),
    certificate: demoIdentityProviderKeys().certificate,
  };
  await loadDemoIdentityProvider(ownerDb, params);
  await loadDemoIdentityProvider(ownerDb, params);
  const rows = await ownerDb.selectFrom("saml_identity_providers").select(["id", "name"]).execute();
  expect(rows.map((row) => row.name)).toEqual([demoIdentityProviderName]);
  identityProviderId = rows[0]?.id ?? "";
});

/** What the browser does: follow the sign-in to the demo page, choose a person, post the response to the ACS. */
async function signInThroughDemo(person: string) {
  const login = await demo.request(`/auth/saml/lakeside-college/login?idp=${identityProviderId}`);
  const idpPage = new URL(login.headers.get("location") ?? "");
  expect(idpPage.pathname).toBe("/demo-idp/sso");
  const page = await (await demo.request(`${idpPage.pathname}${idpPage.search}`)).text();
  expect(page).toContain("Sign in to Lakeside College");
  expect(page).toContain("Sign in as Jo Park");
  const chosen = await demo.request("/demo-idp/sso", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      SAMLRequest: idpPage.searchParams.get("SAMLRequest") ?? "",
      person,
    }).toString(),
  });
  const form = await chosen.text();
  const action = /action="([^"]+)"/.exec(form)?.[1] ?? "";
  const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(form)?.[1] ?? "";
  expect(action).toBe(`${publicUrl}/auth/saml/lakeside-college/acs`);
  return demo.request(new URL(action).pathname, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
  });
}

describe("the demo identity provider", () => {
  it("signs a new demo person in to Lakeside through a real SAML round trip", async () => {
    const response = await signInThroughDemo("jo.park");
    expect(response.status).toBe(303);
    const session = await resolveSession(appDb, readSessionToken(response.headers.get("set-cookie")) ?? "", new Date());
    expect(session?.user).toMatchObject({ email: "jo.park@lakeside.example.edu", displayName: "Jo Park" });
    expect(session?.membership).toMatchObject({ institution_slug: "lakeside-college", role: "learner" });
  });

  it("links an existing demo account by its verified address, in its existing membership", async () => {
    const response = await signInThroughDemo("morgan.lee");
    expect(response.status).toBe(303);
    const session = await resolveSession(appDb, readSessionToken(response.headers.get("set-cookie")) ?? "", new Date());
    expect(session?.user.email).toBe("morgan.lee@example.org");
    expect(session?.membership).toMatchObject({ institution_slug: "lakeside-college", role: "instructor" });
  });

  it("answers only this platform's own sign-in requests", async () => {
    const response = await demo.request("/demo-idp/sso?SAMLRequest=bm90aGluZw%3D%3D");
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Demo sign-in refused");
  });

  it("is not served unless the API is told to (LEARNOPS_DEMO_IDP, off by default)", async () => {
    const production = createServer({
      services: { db: appDb, jobs, publicUrl },
      log: captureLog().log,
      webAppsDir: null,
    });
    expect((await production.request("/demo-idp/metadata")).status).toBe(404);
    expect((await demo.request("/demo-idp/metadata")).status).toBe(200);
    const base = { DATABASE_URL: "postgres://u:p@localhost/db" };
    expect(readApiEnv(base).LEARNOPS_DEMO_IDP).toBe(false);
    expect(readApiEnv({ ...base, LEARNOPS_DEMO_IDP: "true" }).LEARNOPS_DEMO_IDP).toBe(true);
  });
});
