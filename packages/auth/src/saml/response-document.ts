import { DOMParser } from "@xmldom/xmldom";
import { SamlRefusal } from "./refusals.ts";

// Our own reading of a login response, before and after samlify verifies its signature. samlify checks the
// signature and the schema; these checks close the gaps signature-wrapping (XSW) and comment-injection
// attacks live in: a document with one assertion, one response, unique ids, signatures only where they
// belong and covering exactly their parent, and no comments anywhere (canonicalisation drops comments, so
// `victim@example.org<!---->.attacker.example` keeps a valid signature while a naive reader sees a different
// NameID). The values sign-in relies on are read from this one assertion after the signature is verified.

export const protocolNamespace = "urn:oasis:names:tc:SAML:2.0:protocol";
export const assertionNamespace = "urn:oasis:names:tc:SAML:2.0:assertion";
const signatureNamespace = "http://www.w3.org/2000/09/xmldsig#";
const bearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/** Far above any real response (a few KB), far below what could tire the parser. */
export const maxMessageBytes = 256 * 1024;

export interface LoginResponseDocument {
  responseId: string | null;
  responseDestination: string | null;
  responseInResponseTo: string | null;
  responseIssuer: string | null;
  assertionId: string;
  issuer: string | null;
  nameId: string | null;
  notBefore: Date | null;
  notOnOrAfter: Date | null;
  /** Each AudienceRestriction's audiences; every one of them must name us (SAML core 2.5.1.4). */
  audienceRestrictions: string[][];
  /** Bearer subject confirmations: where the assertion may be delivered, for which request, until when. */
  confirmations: { recipient: string | null; inResponseTo: string | null; notOnOrAfter: Date | null }[];
  sessionIndex: string | null;
  attributes: Record<string, string[]>;
}

const ELEMENT_NODE = 1;
const COMMENT_NODE = 8;
const PROCESSING_INSTRUCTION_NODE = 7;

function* descendants(node: Node): Generator<Node> {
  for (let child = node.firstChild; child; child = child.nextSibling) {
    yield child;
    yield* descendants(child);
  }
}

function childElements(element: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== ELEMENT_NODE) continue;
    const candidate = child as Element;
    if (candidate.namespaceURI === namespace && candidate.localName === localName) found.push(candidate);
  }
  return found;
}

function onlyChild(element: Element | undefined, namespace: string, localName: string): Element | undefined {
  if (!element) return undefined;
  const found = childElements(element, namespace, localName);
  if (found.length > 1) throw new SamlRefusal("signature_wrapping", `more than one ${localName}`);
  return found[0];
}

/** An element's text, refused unless it is plain text (a comment or element inside would split it). */
function textOf(element: Element | undefined): string | null {
  if (!element) return null;
  let text = "";
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== 3 && child.nodeType !== 4)
      throw new SamlRefusal("malformed", `${element.localName} is not text`);
    text += child.nodeValue ?? "";
  }
  return text.trim();
}

function attributeOf(element: Element | undefined, name: string): string | null {
  if (!element?.hasAttribute(name)) return null;
  return element.getAttribute(name);
}

function timeOf(element: Element | undefined, name: string): Date | null {
  const value = attributeOf(element, name);
  if (value === null) return null;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new SamlRefusal("malformed", `${name} is not a time`);
  return time;
}

/** Decodes the base64 SAMLResponse form field; refuses anything that is not plausible base64 of a small document. */
export function decodeSamlMessage(encoded: string): string {
  const compact = encoded.replace(/\s+/g, "");
  if (!compact || compact.length > (maxMessageBytes * 4) / 3 + 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact))
    throw new SamlRefusal("malformed", "not base64");
  return Buffer.from(compact, "base64").toString("utf8");
}

/** Parses a SAML message strictly: no DTD (no entity expansion, no external fetches), no comments. */
export function parseSamlXml(xml: string): Element {
  if (Buffer.byteLength(xml) > maxMessageBytes) throw new SamlRefusal("malformed", "too large");
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SamlRefusal("malformed", "document type declarations are refused");
  const problems: string[] = [];
  const document = new DOMParser({
    locator: {},
    errorHandler: {
      warning: () => {},
      error: (message: string) => problems.push(message),
      fatalError: (message: string) => problems.push(message),
    },
  }).parseFromString(xml, "text/xml");
  const root = document?.documentElement;
  if (problems.length || !root) throw new SamlRefusal("malformed", problems[0] ?? "no root element");
  for (const node of descendants(document)) {
    if (node.nodeType === COMMENT_NODE) throw new SamlRefusal("comment_injection");
    if (node.nodeType === PROCESSING_INSTRUCTION_NODE) throw new SamlRefusal("malformed", "processing instruction");
  }
  return root;
}

/**
 * Checks the shape of a login response before its signature is verified, so that the one assertion samlify
 * verifies is the one sign-in reads. Throws a SamlRefusal naming what is wrong.
 */
export function checkLoginResponseShape(root: Element): void {
  if (root.namespaceURI !== protocolNamespace || root.localName !== "Response")
    throw new SamlRefusal("malformed", `root is ${root.localName}, not a protocol Response`);

  const all = [...descendants(root)].filter((node): node is Element => node.nodeType === ELEMENT_NODE);
  // An encrypted assertion is checked by checkEncryptedResponseShape, then decrypted and checked here again;
  // one still encrypted (or encrypted inside the decrypted one) is not accepted.
  if (all.some((element) => element.localName === "EncryptedAssertion"))
    throw new SamlRefusal("signature_wrapping", "an encrypted assertion where a plain one belongs");
  if (all.some((element) => element.localName === "Response"))
    throw new SamlRefusal("signature_wrapping", "a Response inside the Response");
  const assertions = all.filter((element) => element.localName === "Assertion");
  if (assertions.length === 0) throw new SamlRefusal("no_assertion");
  if (assertions.length > 1) {
    // Signed assertions side by side is a response we do not accept; an unsigned one beside a signed one,
    // or one hidden deeper, is a wrapping attack.
    const separatelySigned = assertions.every(
      (assertion) =>
        assertion.parentNode === root && childElements(assertion, signatureNamespace, "Signature").length === 1,
    );
    throw new SamlRefusal(
      separatelySigned ? "multiple_assertions" : "signature_wrapping",
      `${assertions.length} assertions`,
    );
  }
  const [assertion] = assertions as [Element];
  if (assertion.parentNode !== root || assertion.namespaceURI !== assertionNamespace)
    throw new SamlRefusal("signature_wrapping", "the assertion is not a child of the Response");

  const ids = new Set<string>();
  for (const element of [root, ...all]) {
    for (const name of ["ID", "Id", "id"]) {
      const value = attributeOf(element, name);
      if (value === null) continue;
      if (ids.has(value)) throw new SamlRefusal("signature_wrapping", `id ${value} appears twice`);
      ids.add(value);
    }
  }

  const signatures = all.filter((element) => element.localName === "Signature");
  if (signatures.length === 0) throw new SamlRefusal("unsigned");
  for (const signature of signatures) {
    const parent = signature.parentNode as Element | null;
    if (signature.namespaceURI !== signatureNamespace || (parent !== root && parent !== assertion))
      throw new SamlRefusal("signature_wrapping", "a signature outside the Response and the assertion");
    const signedInfo = onlyChild(signature, signatureNamespace, "SignedInfo");
    const references = signedInfo ? childElements(signedInfo, signatureNamespace, "Reference") : [];
    const parentId = attributeOf(parent, "ID");
    if (references.length !== 1 || !parentId || attributeOf(references[0], "URI") !== `#${parentId}`)
      throw new SamlRefusal("signature_wrapping", "a signature that does not cover exactly its parent");
  }
  if (
    childElements(root, signatureNamespace, "Signature").length > 1 ||
    childElements(assertion, signatureNamespace, "Signature").length > 1
  )
    throw new SamlRefusal("signature_wrapping", "two signatures on one element");
}

/** The response's EncryptedAssertion when its assertion is encrypted, before anything else is checked. */
export function findEncryptedAssertion(root: Element): Element | null {
  return childElements(root, assertionNamespace, "EncryptedAssertion")[0] ?? null;
}

/**
 * Checks the shape of a response whose assertion is encrypted, before it is decrypted: exactly one
 * EncryptedAssertion, a direct child of the Response, no plain assertion, unique ids, and no signature but
 * the Response's own, covering exactly the Response. The decrypted document then goes through
 * checkLoginResponseShape like any other, so every wrapping check runs on what is read.
 */
export function checkEncryptedResponseShape(root: Element): Element {
  if (root.namespaceURI !== protocolNamespace || root.localName !== "Response")
    throw new SamlRefusal("malformed", `root is ${root.localName}, not a protocol Response`);
  const encrypted = childElements(root, assertionNamespace, "EncryptedAssertion");
  const outside: Element[] = [];
  const walk = (node: Node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType !== ELEMENT_NODE) continue;
      const element = child as Element;
      if (element.localName === "EncryptedAssertion" && element.parentNode === root) continue;
      outside.push(element);
      walk(element);
    }
  };
  walk(root);
  if (encrypted.length !== 1 || outside.some((element) => element.localName === "EncryptedAssertion"))
    throw new SamlRefusal(encrypted.length > 1 ? "multiple_assertions" : "signature_wrapping", "encrypted assertions");
  if (outside.some((element) => element.localName === "Assertion" || element.localName === "Response"))
    throw new SamlRefusal("signature_wrapping", "a plain assertion beside an encrypted one");
  const ids = new Set<string>();
  for (const element of [root, ...outside]) {
    for (const name of ["ID", "Id", "id"]) {
      const value = attributeOf(element, name);
      if (value === null) continue;
      if (ids.has(value)) throw new SamlRefusal("signature_wrapping", `id ${value} appears twice`);
      ids.add(value);
    }
  }
  const signatures = outside.filter((element) => element.localName === "Signature");
  if (signatures.length > 1) throw new SamlRefusal("signature_wrapping", "two signatures on one element");
  for (const signature of signatures) {
    if (signature.namespaceURI !== signatureNamespace || signature.parentNode !== root)
      throw new SamlRefusal("signature_wrapping", "a signature outside the Response");
    const signedInfo = onlyChild(signature, signatureNamespace, "SignedInfo");
    const references = signedInfo ? childElements(signedInfo, signatureNamespace, "Reference") : [];
    const rootId = attributeOf(root, "ID");
    if (references.length !== 1 || !rootId || attributeOf(references[0], "URI") !== `#${rootId}`)
      throw new SamlRefusal("signature_wrapping", "a signature that does not cover exactly the Response");
  }
  return encrypted[0] as Element;
}

/** Reads what sign-in needs from a response whose shape `checkLoginResponseShape` accepted. */
export function readLoginResponse(root: Element): LoginResponseDocument {
  const [assertion] = childElements(root, assertionNamespace, "Assertion") as [Element];
  const subject = onlyChild(assertion, assertionNamespace, "Subject");
  const conditions = onlyChild(assertion, assertionNamespace, "Conditions");
  const audiences = conditions
    ? childElements(conditions, assertionNamespace, "AudienceRestriction").map((restriction) =>
        childElements(restriction, assertionNamespace, "Audience").map((audience) => textOf(audience) ?? ""),
      )
    : [];
  const confirmations = subject
    ? childElements(subject, assertionNamespace, "SubjectConfirmation")
        .filter((confirmation) => attributeOf(confirmation, "Method") === bearerMethod)
        .map((confirmation) => {
          const data = onlyChild(confirmation, assertionNamespace, "SubjectConfirmationData");
          return {
            recipient: attributeOf(data, "Recipient"),
            inResponseTo: attributeOf(data, "InResponseTo"),
            notOnOrAfter: timeOf(data, "NotOnOrAfter"),
          };
        })
    : [];
  const authnStatements = childElements(assertion, assertionNamespace, "AuthnStatement");
  const attributes: Record<string, string[]> = {};
  for (const statement of childElements(assertion, assertionNamespace, "AttributeStatement")) {
    for (const attribute of childElements(statement, assertionNamespace, "Attribute")) {
      const name = attributeOf(attribute, "Name");
      if (!name) continue;
      const values = childElements(attribute, assertionNamespace, "AttributeValue").map((value) => textOf(value) ?? "");
      attributes[name] = [...(attributes[name] ?? []), ...values];
    }
  }
  const assertionId = attributeOf(assertion, "ID");
  if (!assertionId) throw new SamlRefusal("malformed", "the assertion has no ID");
  return {
    responseId: attributeOf(root, "ID"),
    responseDestination: attributeOf(root, "Destination"),
    responseInResponseTo: attributeOf(root, "InResponseTo"),
    responseIssuer: textOf(onlyChild(root, assertionNamespace, "Issuer")),
    assertionId,
    issuer: textOf(onlyChild(assertion, assertionNamespace, "Issuer")),
    nameId: textOf(onlyChild(subject, assertionNamespace, "NameID")),
    notBefore: timeOf(conditions, "NotBefore"),
    notOnOrAfter: timeOf(conditions, "NotOnOrAfter"),
    audienceRestrictions: audiences,
    confirmations,
    sessionIndex: attributeOf(authnStatements[0], "SessionIndex"),
    attributes,
  };
}
