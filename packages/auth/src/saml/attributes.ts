import type { Role } from "@learnops/contracts/auth";

// Which assertion attributes say who a person is. Identity providers name them differently (LDAP names,
// OIDs, Microsoft's claim URIs); an institution may name its own per identity provider (`attribute_map`),
// and otherwise the common names below are tried in order.

export type MappedAttribute = "email" | "givenName" | "familyName" | "displayName" | "role" | "clientGroup";

export const defaultAttributeNames: Record<MappedAttribute, readonly string[]> = {
  email: [
    "email",
    "mail",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
  ],
  givenName: [
    "givenName",
    "firstName",
    "urn:oid:2.5.4.42",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
  ],
  familyName: [
    "sn",
    "surname",
    "lastName",
    "urn:oid:2.5.4.4",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
  ],
  displayName: [
    "displayName",
    "urn:oid:2.16.840.1.113730.3.1.241",
    "http://schemas.microsoft.com/identity/claims/displayname",
  ],
  role: ["role", "learnopsRole"],
  clientGroup: ["clientGroup", "learnopsClientGroup"],
};

/** Roles an assertion can never grant, whatever an identity provider's configuration says. */
const neverAssertable: readonly Role[] = ["platform_admin"];

export interface SamlPerson {
  /** Lower-cased; null when the assertion carries none (and the NameID is not an address). */
  email: string | null;
  displayName: string | null;
  /** The role for a first membership: an assertable role the assertion names, or learner. */
  role: Role;
  clientGroupName: string | null;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function first(attributes: Record<string, string[]>, names: readonly string[]): string | null {
  for (const name of names) {
    const value = attributes[name]?.find((candidate) => candidate.trim() !== "");
    if (value) return value.trim();
  }
  return null;
}

/** Reads the person an assertion describes, by the identity provider's attribute map. */
export function mapSamlAttributes(params: {
  nameId: string;
  attributes: Record<string, string[]>;
  attributeMap: Partial<Record<MappedAttribute, string>>;
  assertableRoles: readonly string[];
}): SamlPerson {
  const names = (attribute: MappedAttribute) => {
    const configured = params.attributeMap[attribute];
    return configured ? [configured] : defaultAttributeNames[attribute];
  };
  const value = (attribute: MappedAttribute) => first(params.attributes, names(attribute));

  const asserted = value("email") ?? (emailPattern.test(params.nameId) ? params.nameId : null);
  const email = asserted && emailPattern.test(asserted) && asserted.length <= 254 ? asserted.toLowerCase() : null;
  const given = value("givenName");
  const family = value("familyName");
  const displayName =
    (value("displayName") ?? ([given, family].filter(Boolean).join(" ") || null))?.slice(0, 200) ?? null;

  const assertedRole = value("role")?.toLowerCase() ?? null;
  const role =
    assertedRole && params.assertableRoles.includes(assertedRole) && !neverAssertable.includes(assertedRole as Role)
      ? (assertedRole as Role)
      : "learner";
  return { email, displayName, role, clientGroupName: value("clientGroup")?.slice(0, 200) ?? null };
}
