import { describe, expect, it } from "vitest";
import { checkImportRow, headerProblems, type ImportCatalogue, rejectionsCsv } from "./enrolment-import.ts";

const now = new Date("2027-01-15T12:00:00Z");
const catalogue: ImportCatalogue = {
  courses: new Map([
    ["infection-control", { id: "c1", title: "Infection Control", status: "published" }],
    ["old-course", { id: "c2", title: "Old Course", status: "archived" }],
  ]),
  cohorts: new Map([
    ["c1/january", { id: "h1", name: "January", endsAt: new Date("2027-04-01T00:00:00Z") }],
    ["c1/last year", { id: "h2", name: "Last year", endsAt: new Date("2026-06-01T00:00:00Z") }],
  ]),
};

describe("headerProblems", () => {
  it("accepts the columns in any order and case, and names a missing or repeated one", () => {
    expect(headerProblems(["Course", " EMAIL ", "name"])).toEqual([]);
    expect(headerProblems(["email", "name"])[0]).toMatch(/^The file has no "course" column/);
    expect(headerProblems(["email", "course", "email"])).toEqual(['The column "email" appears twice']);
  });
});

describe("checkImportRow", () => {
  const check = (values: Record<string, string>, seen = new Map<string, number>(), line = 2) =>
    checkImportRow(values, line, catalogue, seen, now);

  it("passes a good row, normalising the address and resolving course and cohort", () => {
    expect(
      check({
        email: " Ada@Example.org ",
        name: "Ada Okafor",
        course: "Infection-Control",
        cohort: "january",
        expires_on: "2027-03-31",
      }),
    ).toEqual({
      row: {
        line: 2,
        email: "ada@example.org",
        displayName: "Ada Okafor",
        courseId: "c1",
        cohortId: "h1",
        contractId: null,
        expiresAt: "2027-03-31T23:59:59.999Z",
      },
    });
  });

  it("gives every reason a row fails, not just the first", () => {
    const result = check({ email: "not-an-address", course: "nope", expires_on: "31/03/2027" });
    expect(result).toEqual({
      rejection: {
        line: 2,
        values: { email: "not-an-address", course: "nope", expires_on: "31/03/2027" },
        reasons: [
          '"not-an-address" is not an email address',
          'no course has the code "nope"',
          'expires_on "31/03/2027" is not a date like 2027-03-31',
        ],
      },
    });
  });

  it("refuses archived courses, unknown or ended cohorts, impossible and past dates", () => {
    const reasons = (values: Record<string, string>) => {
      const result = check(values);
      return "rejection" in result ? result.rejection.reasons : [];
    };
    expect(reasons({ email: "a@example.org", course: "old-course" })).toEqual(["Old Course is archived"]);
    expect(reasons({ email: "a@example.org", course: "infection-control", cohort: "March" })).toEqual([
      'Infection Control has no cohort named "March"',
    ]);
    expect(reasons({ email: "a@example.org", course: "infection-control", cohort: "Last year" })).toEqual([
      "Last year has ended",
    ]);
    expect(reasons({ email: "a@example.org", course: "infection-control", expires_on: "2027-02-30" })).toEqual([
      'expires_on "2027-02-30" is not a date like 2027-03-31',
    ]);
    expect(reasons({ email: "a@example.org", course: "infection-control", expires_on: "2026-12-31" })).toEqual([
      "expires_on 2026-12-31 is in the past",
    ]);
    expect(reasons({ email: "", course: "" })).toEqual(["email is empty", "course is empty"]);
  });

  it("refuses the second row for the same learner and course, naming the first", () => {
    const seen = new Map<string, number>();
    expect("row" in check({ email: "a@example.org", course: "infection-control" }, seen, 2)).toBe(true);
    expect(check({ email: "A@example.org", course: "infection-control" }, seen, 7)).toMatchObject({
      rejection: { reasons: ["the same learner and course as line 2"] },
    });
  });

  it("for a client roster, needs a contract in force covering the course", () => {
    const roster = { ...catalogue, contractsByCourse: new Map([["c1", { id: "k1", name: "ACME" }]]) };
    expect(
      checkImportRow({ email: "a@example.org", course: "infection-control" }, 2, roster, new Map(), now),
    ).toMatchObject({
      row: { contractId: "k1" },
    });
    const other = {
      ...roster,
      courses: new Map([...catalogue.courses, ["fire", { id: "c3", title: "Fire Safety", status: "published" }]]),
    };
    expect(checkImportRow({ email: "a@example.org", course: "fire" }, 2, other, new Map(), now)).toMatchObject({
      rejection: { reasons: ["no contract of this client group in force today covers Fire Safety"] },
    });
  });
});

describe("rejectionsCsv", () => {
  it("quotes what needs quoting and defuses spreadsheet formulas", () => {
    const csv = rejectionsCsv(
      ["email", "name"],
      [{ line: 3, values: { email: '=HYPERLINK("x")', name: "Smith, Jo" }, reasons: ["a", "b"] }],
    );
    expect(csv).toBe('line,email,name,reasons\r\n3,"\'=HYPERLINK(""x"")","Smith, Jo",a; b\r\n');
  });
});
