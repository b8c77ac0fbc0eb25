import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { validateXML } from "xmllint-wasm";

// samlify's schema validation, with the SAML 2.0 schemas `@authenio/samlify-xmllint-wasm` ships, through
// xmllint compiled to WebAssembly: a real validator, never a no-op. Called directly rather than through that
// package's `validate`, which prints every invalid message to the console (console.debug and console.error)
// and throws away why it was invalid. Here an invalid message becomes a SchemaViolation carrying xmllint's
// findings, which the refusal records (log and audit trail); a validator that fails to run is a real error
// and is thrown as such, never taken for an invalid message.

const schemaFiles = [
  "saml-schema-protocol-2.0.xsd",
  "datatypes.dtd",
  "saml-schema-assertion-2.0.xsd",
  "xmldsig-core-schema.xsd",
  "XMLSchema.dtd",
  "xenc-schema.xsd",
] as const;

const schemaDirectory = path.join(
  path.dirname(createRequire(import.meta.url).resolve("@authenio/samlify-xmllint-wasm")),
  "schemas",
);
const [protocolSchema, ...preload] = schemaFiles.map((fileName) => ({
  fileName,
  contents: readFileSync(path.join(schemaDirectory, fileName), "utf8"),
}));

/** A message that does not conform to the SAML schemas. Its message is samlify's code for that. */
export class SchemaViolation extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super("ERR_EXCEPTION_VALIDATE_XML");
    this.name = "SchemaViolation";
    this.problems = problems;
  }
}

/** The validator given to samlify: resolves when the message conforms, rejects with a SchemaViolation if not. */
export async function validateAgainstSamlSchemas(xml: string): Promise<true> {
  const result = await validateXML({
    xml: [{ fileName: "message.xml", contents: xml }],
    extension: "schema",
    schema: [protocolSchema?.contents ?? ""],
    preload,
  });
  if (result.valid) return true;
  throw new SchemaViolation(result.errors.slice(0, 5).map((error) => error.message.slice(0, 200)));
}
