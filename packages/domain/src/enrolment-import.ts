/**
 * Bulk enrolment: the columns an upload may have, and the checks each row must pass before anything is
 * written. Pure: the caller streams the file, passes the catalogue it needs to look names up in, and
 * applies the rows that pass.
 */

export const requiredColumns = ["email", "course"] as const;
export const optionalColumns = ["name", "cohort", "expires_on"] as const;
export const knownColumns: readonly string[] = [...requiredColumns, ...optionalColumns];

/** At most this many rows in one upload; a larger roster is split into several files. */
export const maxImportRows = 50_000;

export interface ImportCatalogue {
  /** Courses by code. */
  courses: ReadonlyMap<string, { id: string; title: string; status: string }>;
  /** Cohorts by `${courseId}/${lowercased name}`. */
  cohorts: ReadonlyMap<string, { id: string; name: string; endsAt: Date }>;
  /**
   * For a client roster: the client group's contracts in force today, by course id. Absent for a plain
   * enrolment upload.
   */
  contractsByCourse?: ReadonlyMap<string, { id: string; name: string }>;
}

/** A row that passed: what the worker applies. */
export interface ImportRow {
  line: number;
  email: string;
  displayName: string | null;
  courseId: string;
  cohortId: string | null;
  contractId: string | null;
  expiresAt: string | null;
}

export interface ImportRejection {
  line: number;
  values: Record<string, string>;
  reasons: string[];
}

/** Which header problems refuse the whole file, in words; empty when the header is usable. */
export function headerProblems(header: readonly string[]): string[] {
  const names = header.map((name) => name.trim().toLowerCase());
  const problems = requiredColumns
    .filter((column) => !names.includes(column))
    .map(
      (column) =>
        `The file has no "${column}" column (the first line names the columns: email, course, and optionally name, cohort, expires_on)`,
    );
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) problems.push(`The column "${name}" appears twice`);
    seen.add(name);
  }
  return problems;
}

const emailShape = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const dayShape = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks one row. `seen` holds the (email, course) pairs of earlier rows in the file with their line, so a
 * repeated pair is refused as a duplicate of the first.
 */
export function checkImportRow(
  values: Record<string, string>,
  line: number,
  catalogue: ImportCatalogue,
  seen: Map<string, number>,
  now: Date,
): { row: ImportRow } | { rejection: ImportRejection } {
  const value = (column: string) => (values[column] ?? "").trim();
  const reasons: string[] = [];

  const email = value("email").toLowerCase();
  if (!email) reasons.push("email is empty");
  else if (email.length > 254 || !emailShape.test(email)) reasons.push(`"${value("email")}" is not an email address`);

  const name = value("name");
  if (name.length > 200) reasons.push("name is longer than 200 characters");

  const code = value("course").toLowerCase();
  const course = catalogue.courses.get(code);
  if (!code) reasons.push("course is empty");
  else if (!course) reasons.push(`no course has the code "${value("course")}"`);
  else if (course.status === "archived") reasons.push(`${course.title} is archived`);

  let cohortId: string | null = null;
  const cohortName = value("cohort");
  if (cohortName && course) {
    const cohort = catalogue.cohorts.get(`${course.id}/${cohortName.toLowerCase()}`);
    if (!cohort) reasons.push(`${course.title} has no cohort named "${cohortName}"`);
    else if (cohort.endsAt <= now) reasons.push(`${cohort.name} has ended`);
    else cohortId = cohort.id;
  }

  let expiresAt: string | null = null;
  const expiresOn = value("expires_on");
  if (expiresOn) {
    const parsed = new Date(`${expiresOn}T23:59:59.999Z`);
    if (
      !dayShape.test(expiresOn) ||
      Number.isNaN(parsed.getTime()) ||
      parsed.toISOString().slice(0, 10) !== expiresOn
    ) {
      reasons.push(`expires_on "${expiresOn}" is not a date like 2027-03-31`);
    } else if (parsed <= now) {
      reasons.push(`expires_on ${expiresOn} is in the past`);
    } else {
      expiresAt = parsed.toISOString();
    }
  }

  let contractId: string | null = null;
  if (catalogue.contractsByCourse && course) {
    const contract = catalogue.contractsByCourse.get(course.id);
    if (!contract) reasons.push(`no contract of this client group in force today covers ${course.title}`);
    else contractId = contract.id;
  }

  if (email && course) {
    const key = `${email}/${course.id}`;
    const first = seen.get(key);
    if (first !== undefined) reasons.push(`the same learner and course as line ${first}`);
    else if (!reasons.length) seen.set(key, line);
  }

  if (reasons.length) return { rejection: { line, values, reasons } };
  return {
    row: { line, email, displayName: name || null, courseId: course?.id ?? "", cohortId, contractId, expiresAt },
  };
}

/** The rejected rows as a CSV people open in a spreadsheet: the original values, then why. */
export function rejectionsCsv(header: readonly string[], rejections: readonly ImportRejection[]): string {
  const cell = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  // A leading =, +, - or @ would be run as a formula by spreadsheets: quoted, and prefixed with an apostrophe.
  const safe = (text: string) => cell(/^[=+\-@]/.test(text) ? `'${text}` : text);
  const lines = [["line", ...header, "reasons"].map(safe).join(",")];
  for (const rejection of rejections) {
    lines.push(
      [String(rejection.line), ...header.map((column) => rejection.values[column] ?? ""), rejection.reasons.join("; ")]
        .map(safe)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
