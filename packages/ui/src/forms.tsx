/**
 * The pieces of the account forms (choose a new password, change password, register, forgot password), built
 * like the sign-in form: an error summary that takes focus after a refused submit, each message linked to its
 * field and repeated beside it, and fields whose errors are part of their accessible description.
 */
import {
  type InputHTMLAttributes,
  type ReactNode,
  type RefObject,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";
import { apiFieldIssues, describeApiError } from "./api-errors.ts";

/** What is wrong with a submitted form: per field, and what belongs to no one field. */
export interface FormProblems<Field extends string> {
  fields: Partial<Record<Field, string>>;
  /** A refusal about the whole form: an expired link, a lockout, the API out of reach. */
  general: string | null;
}

export interface FormProblemsState<Field extends string> {
  problems: FormProblems<Field> | null;
  /** Shows these problems and moves focus to the summary, even when they are the same as last time. */
  report: (problems: FormProblems<Field>) => void;
  clear: () => void;
  summaryRef: RefObject<HTMLDivElement | null>;
  /** The id of a field's input, for its label and the summary's links. */
  fieldId: (field: Field) => string;
}

export function useFormProblems<Field extends string>(): FormProblemsState<Field> {
  const id = useId();
  const [problems, setProblems] = useState<FormProblems<Field> | null>(null);
  // Counts refusals, so that each one moves focus to the summary again, even with the same message.
  const [refusals, setRefusals] = useState(0);
  const summaryRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (refusals > 0) summaryRef.current?.focus();
  }, [refusals]);
  const report = useCallback((next: FormProblems<Field>) => {
    setProblems(next);
    setRefusals((count) => count + 1);
  }, []);
  const clear = useCallback(() => setProblems(null), []);
  const fieldId = useCallback((field: Field) => `${id}-${field}`, [id]);
  return { problems, report, clear, summaryRef, fieldId };
}

/**
 * Problems from a list of issues (a zod parse, or the API's field issues): the first message for each known
 * field; issues naming no field of the form become the general message.
 */
export function problemsFromIssues<Field extends string>(
  issues: readonly { path: string | readonly PropertyKey[]; message: string }[],
  fields: readonly Field[],
): FormProblems<Field> {
  const found: FormProblems<Field>["fields"] = {};
  let general: string | null = null;
  for (const issue of issues) {
    const first = typeof issue.path === "string" ? issue.path.split(".")[0] : issue.path[0];
    const field = fields.find((candidate) => candidate === first);
    if (field) found[field] ??= issue.message;
    else general ??= issue.message;
  }
  return { fields: found, general };
}

/** An API refusal as form problems: its field issues beside their fields, otherwise its message. */
export function problemsFromApiError<Field extends string>(
  error: unknown,
  fields: readonly Field[],
): FormProblems<Field> {
  const issues = apiFieldIssues(error);
  if (issues.length > 0) return problemsFromIssues(issues, fields);
  return { fields: {}, general: describeApiError(error).message };
}

export interface ErrorSummaryProps<Field extends string> {
  state: FormProblemsState<Field>;
  /** The order fields appear in the form, so the summary lists them in the same order. */
  fields: readonly Field[];
}

/** "There is a problem": a list of what is wrong, each field's message a link that moves focus to it. */
export function ErrorSummary<Field extends string>({ state, fields }: ErrorSummaryProps<Field>) {
  const titleId = useId();
  const { problems, summaryRef, fieldId } = state;
  if (!problems) return null;
  const listed = fields.flatMap((field) => {
    const message = problems.fields[field];
    return message ? [[field, message] as const] : [];
  });
  return (
    <div ref={summaryRef} className="error-summary" tabIndex={-1}>
      <div role="alert">
        <h2 id={titleId} className="error-summary-title">
          There is a problem
        </h2>
        <ul>
          {problems.general ? <li>{problems.general}</li> : null}
          {listed.map(([field, message]) => (
            <li key={field}>
              <a
                href={`#${fieldId(field)}`}
                onClick={(event) => {
                  event.preventDefault();
                  const input = document.getElementById(fieldId(field));
                  input?.focus();
                  input?.scrollIntoView({ block: "center" });
                }}
              >
                {message}
              </a>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

export interface FormFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "className"> {
  id: string;
  label: ReactNode;
  /** Advice shown under the label before anything is wrong: "At least 12 characters". */
  hint?: ReactNode;
  /** What is wrong with the value, shown beside the field and read with it. */
  error?: string | undefined;
}

/** A labelled input with its hint and its error tied to it (`aria-describedby`), marked invalid when wrong. */
export function FormField({ id, label, hint, error, ...input }: FormFieldProps) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className="field" data-invalid={error ? "" : undefined}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error">
          <span className="visually-hidden">Error: </span>
          {error}
        </p>
      ) : null}
      <input
        {...input}
        id={id}
        className="input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
    </div>
  );
}

/** Moves focus to a message that replaced a form (the form's button is gone), so it is read at once. */
export function useFocusOnShow(shown: boolean): RefObject<HTMLDivElement | null> {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (shown) ref.current?.focus();
  }, [shown]);
  return ref;
}
