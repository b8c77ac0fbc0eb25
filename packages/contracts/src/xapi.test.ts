import { describe, expect, it } from "vitest";
import { jsonNestsDeeperThan, refusalOfIssue, xapiStatement } from "./xapi.ts";

const valid = {
  id: "3F2504E0-4F89-41D3-9A0C-0305E82C3301",
  actor: { objectType: "Agent", name: "Ada", mbox: "mailto:ada.learner@example.org" },
  verb: { id: "http://adlnet.gov/expapi/verbs/completed", display: { "en-US": "completed" } },
  object: { objectType: "Activity", id: "https://content.example.org/infection/why" },
  result: { score: { raw: 8, min: 0, max: 10, scaled: 0.8 }, success: true, completion: true, duration: "PT4M12.5S" },
  context: { registration: "ec231277-b27b-4c15-8291-d29225b2b8f7", platform: "Moodle" },
  timestamp: "2026-12-03T09:30:00.000Z",
};

/** The first issue's dotted path, message and refusal code. */
function refusal(statement: unknown) {
  const parsed = xapiStatement.safeParse(statement);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return { path: issue?.path.join("."), message: issue?.message, code: refusalOfIssue(issue) };
}

describe("xAPI statement shape", () => {
  it("accepts a full statement and lowercases its id", () => {
    const parsed = xapiStatement.parse(valid);
    expect(parsed.id).toBe("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    expect(parsed.actor.mbox).toBe("mailto:ada.learner@example.org");
  });

  it("accepts a minimal statement: no id, no objectType, no display", () => {
    expect(
      xapiStatement.safeParse({
        actor: { account: { homePage: "https://idp.example.org", name: "a123" } },
        verb: { id: "http://adlnet.gov/expapi/verbs/launched" },
        object: { id: "urn:uuid:5f7d2a1e-0000-4000-8000-000000000000" },
      }).success,
    ).toBe(true);
  });

  it("refuses a Group actor as unsupported, naming the field", () => {
    expect(
      refusal({ ...valid, actor: { objectType: "Group", member: [{ mbox: "mailto:a@example.org" }] } }),
    ).toMatchObject({ code: "unsupported_actor", path: "actor.objectType", message: expect.stringMatching(/Groups/) });
  });

  it("refuses an agent with no identifier or with two", () => {
    expect(refusal({ ...valid, actor: { name: "Ada" } })).toMatchObject({
      code: "invalid_statement",
      path: "actor",
      message: expect.stringMatching(/exactly one/),
    });
    expect(refusal({ ...valid, actor: { mbox: "mailto:a@example.org", mbox_sha1sum: "a".repeat(40) } })).toMatchObject({
      path: "actor",
      message: expect.stringMatching(/mbox and mbox_sha1sum/),
    });
    expect(refusal({ ...valid, actor: { mbox: "ada@example.org" } })).toMatchObject({ path: "actor.mbox" });
  });

  it("refuses a missing verb, a bad IRI and unknown properties", () => {
    const { verb: _verb, ...withoutVerb } = valid;
    expect(refusal(withoutVerb)).toMatchObject({ code: "invalid_statement", path: "verb" });
    expect(refusal({ ...valid, verb: { id: "completed" } })).toMatchObject({
      path: "verb.id",
      message: expect.stringMatching(/IRI/),
    });
    expect(refusal({ ...valid, object: { id: "not an iri" } })).toMatchObject({ path: "object.id" });
    expect(refusal({ ...valid, mood: "happy" })).toMatchObject({ code: "invalid_statement" });
  });

  it("refuses scores out of bounds", () => {
    expect(refusal({ ...valid, result: { score: { scaled: 1.5 } } })).toMatchObject({ path: "result.score.scaled" });
    expect(refusal({ ...valid, result: { score: { raw: 12, min: 0, max: 10 } } })).toMatchObject({
      path: "result.score.raw",
    });
    expect(refusal({ ...valid, result: { score: { raw: 1, min: 5, max: 5 } } })).toMatchObject({
      path: "result.score.max",
    });
  });

  it("refuses bad durations, timestamps and versions", () => {
    expect(refusal({ ...valid, result: { duration: "45 minutes" } })).toMatchObject({ path: "result.duration" });
    expect(refusal({ ...valid, result: { duration: "PT" } })).toMatchObject({ path: "result.duration" });
    expect(refusal({ ...valid, timestamp: "yesterday" })).toMatchObject({ path: "timestamp" });
    expect(refusal({ ...valid, timestamp: "0000-01-01T00:00:00Z" })).toMatchObject({
      path: "timestamp",
      message: "A timestamp is after 1970",
    });
    expect(refusal({ ...valid, version: "2.0.0" })).toMatchObject({ path: "version" });
  });

  it("refuses objects other than Activities, and voiding, with their own codes", () => {
    expect(
      refusal({ ...valid, object: { objectType: "StatementRef", id: "3f2504e0-4f89-41d3-9a0c-0305e82c3301" } }),
    ).toMatchObject({ code: "unsupported_object", path: "object.objectType" });
    expect(
      refusal({
        ...valid,
        verb: { id: "http://adlnet.gov/expapi/verbs/voided" },
        object: { objectType: "StatementRef", id: "3f2504e0-4f89-41d3-9a0c-0305e82c3301" },
      }),
    ).toMatchObject({ code: "voiding_not_supported", path: "verb.id" });
  });

  it("refuses what is not an object", () => {
    expect(refusal([valid])).toMatchObject({ message: "A statement is a JSON object" });
    expect(refusal("statement")).toMatchObject({ code: "invalid_statement" });
  });
});

describe("jsonNestsDeeperThan", () => {
  it("counts brackets outside strings only, without recursion", () => {
    expect(jsonNestsDeeperThan(JSON.stringify([{ a: [{ b: 1 }] }]), 4)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify([{ a: [{ b: [1] }] }]), 4)).toBe(true);
    expect(jsonNestsDeeperThan(JSON.stringify({ text: '[[[[[[\\"{{{{{' }), 2)).toBe(false);
    expect(jsonNestsDeeperThan(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`, 64)).toBe(true);
  });
});
