import { readFileSync } from "node:fs";
import path from "node:path";
import type { SimulatedIdentityProviderKeys } from "../simulated-identity-provider.ts";

// Key pairs for tests only, made with `openssl req -x509 -newkey rsa:2048 -nodes -days 3650`: the
// identity provider's current and next certificate (a rollover), and an attacker's.

function pair(name: string): SimulatedIdentityProviderKeys {
  const read = (file: string) => readFileSync(path.join(import.meta.dirname, "fixtures", file), "utf8");
  return { privateKey: read(`${name}-key.pem`), certificate: read(`${name}-cert.pem`) };
}

export const testIdentityProviderKeys = pair("idp");
export const nextIdentityProviderKeys = pair("idp-next");
export const attackerKeys = pair("attacker");
