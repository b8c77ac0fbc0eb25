import { readFileSync } from "node:fs";
import path from "node:path";
import * as samlify from "samlify";
import {
  loginResponseXml,
  readRedirectAuthnRequest,
  type SimulatedIdentityProviderKeys,
  signLoginResponse,
  toBase64,
} from "./simulated-identity-provider.ts";

// The demo identity provider: in demo mode only (the API mounts it when LEARNOPS_DEMO_IDP is set, which
// only the main job sets, with demo data), so that a newcomer can sign in to Lakeside Community College
// through a real SAML round trip. Its key pair is committed and public: it must never be trusted by a
// production institution.

export const demoIdentityProviderInstitution = "lakeside-college";
export const demoIdentityProviderName = "Lakeside College single sign-on";

export interface DemoIdentityProviderPerson {
  nameId: string;
  email: string;
  givenName: string;
  familyName: string;
  role: "learner" | "instructor";
  /** What the demo page says about the person. */
  description: string;
}

export const demoIdentityProviderPeople: readonly DemoIdentityProviderPerson[] = [
  {
    nameId: "jo.park",
    email: "jo.park@lakeside.example.edu",
    givenName: "Jo",
    familyName: "Park",
    role: "learner",
    description: "a new learner: gets an account and a membership at the first sign-in",
  },
  {
    nameId: "riley.chen",
    email: "riley.chen@lakeside.example.edu",
    givenName: "Riley",
    familyName: "Chen",
    role: "instructor",
    description: "a new instructor: the identity provider may grant that role",
  },
  {
    nameId: "morgan.lee",
    email: "morgan.lee@example.org",
    givenName: "Morgan",
    familyName: "Lee",
    role: "instructor",
    description: "has a LearnOps account already: linked by its verified address",
  },
];

const read = (file: string) => readFileSync(path.join(import.meta.dirname, "demo", file), "utf8");

export function demoIdentityProviderKeys(): SimulatedIdentityProviderKeys {
  return { privateKey: read("demo-idp-key.pem"), certificate: read("demo-idp-cert.pem") };
}

export interface DemoIdentityProviderEndpoints {
  entityId: string;
  ssoUrl: string;
  metadataUrl: string;
}

export function demoIdentityProviderEndpoints(publicUrl: string): DemoIdentityProviderEndpoints {
  const origin = new URL(publicUrl).origin;
  return {
    entityId: `${origin}/demo-idp/metadata`,
    metadataUrl: `${origin}/demo-idp/metadata`,
    ssoUrl: `${origin}/demo-idp/sso`,
  };
}

export function demoIdentityProviderMetadata(publicUrl: string): string {
  const endpoints = demoIdentityProviderEndpoints(publicUrl);
  return samlify
    .IdentityProvider({
      entityID: endpoints.entityId,
      signingCert: demoIdentityProviderKeys()
        .certificate.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "")
        .replace(/\s+/g, ""),
      wantAuthnRequestsSigned: false,
      singleSignOnService: [
        { Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: endpoints.ssoUrl },
      ],
    })
    .getMetadata();
}

/** The request the demo page answers, refused unless it comes from one of this platform's own institutions. */
export function readDemoAuthnRequest(publicUrl: string, requestUrl: string) {
  const request = readRedirectAuthnRequest(requestUrl);
  const ours = `${new URL(publicUrl).origin}/auth/saml/`;
  if (!request.issuer?.startsWith(ours) || !request.acsUrl?.startsWith(ours))
    throw new Error("The demo identity provider answers this platform's sign-in requests only");
  return { ...request, issuer: request.issuer, acsUrl: request.acsUrl };
}

/** A signed response for a demo person, answering the request, to post to the service provider's ACS. */
export function demoLoginResponse(
  publicUrl: string,
  request: { id: string; issuer: string; acsUrl: string },
  person: DemoIdentityProviderPerson,
): string {
  const xml = loginResponseXml({
    acsUrl: request.acsUrl,
    audience: request.issuer,
    inResponseTo: request.id,
    issuer: demoIdentityProviderEndpoints(publicUrl).entityId,
    nameId: person.nameId,
    attributes: {
      email: person.email,
      givenName: person.givenName,
      sn: person.familyName,
      role: person.role,
    },
  });
  return toBase64(signLoginResponse(xml, demoIdentityProviderKeys(), "assertion"));
}
