/**
 * Fields and helpers shared by the Courses and Enrolments sections: native selects, text areas and check
 * boxes laid out like settings-controls' TextField (label, hint, error tied to the control), the API's
 * refusals sorted to their fields, and days as the reader's calendar shows them.
 */
import { apiErrorCode, apiFieldIssues, describeApiError } from "@learnops/ui/api-errors";
import {
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";

function describedBy(hintId: string | null, errorId: string | null): string | undefined {
  return [hintId, errorId].filter(Boolean).join(" ") || undefined;
}

function FieldMessages({
  hint,
  error,
  hintId,
  errorId,
}: {
  hint?: ReactNode;
  error?: string | null | undefined;
  hintId: string;
  errorId: string;
}) {
  return (
    <>
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
    </>
  );
}

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, "onChange" | "value" | "id"> {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  options: readonly SelectOption[];
  error?: string | null | undefined;
  hint?: ReactNode;
  id?: string;
}

/** A labelled native select: arrows, type-ahead and the platform's own picker on phones. */
export function SelectField({
  label,
  value,
  onChange,
  options,
  error,
  hint,
  id,
  className,
  ...select
}: SelectFieldProps) {
  const generated = useId();
  const selectId = id ?? generated;
  const hintId = `${selectId}-hint`;
  const errorId = `${selectId}-error`;
  return (
    <div className={["field", className].filter(Boolean).join(" ")} data-invalid={error ? "" : undefined}>
      <label htmlFor={selectId}>{label}</label>
      <FieldMessages hint={hint} error={error} hintId={hintId} errorId={errorId} />
      <select
        {...select}
        id={selectId}
        className="input"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hint ? hintId : null, error ? errorId : null)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export interface TextAreaFieldProps
  extends Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "onChange" | "value" | "id"> {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  error?: string | null | undefined;
  hint?: ReactNode;
  id?: string;
}

export function TextAreaField({ label, value, onChange, error, hint, id, className, ...area }: TextAreaFieldProps) {
  const generated = useId();
  const areaId = id ?? generated;
  const hintId = `${areaId}-hint`;
  const errorId = `${areaId}-error`;
  return (
    <div className={["field", className].filter(Boolean).join(" ")} data-invalid={error ? "" : undefined}>
      <label htmlFor={areaId}>{label}</label>
      <FieldMessages hint={hint} error={error} hintId={hintId} errorId={errorId} />
      <textarea
        rows={3}
        {...area}
        id={areaId}
        className="input catalogue-textarea"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hint ? hintId : null, error ? errorId : null)}
      />
    </div>
  );
}

/** Why a staff member changes an enrolment or an access decision: required, kept in the audit trail. */
export function ReasonField({
  value,
  onChange,
  error,
  id,
  autoFocus,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string | null | undefined;
  id?: string;
  autoFocus?: boolean;
}) {
  return (
    <TextAreaField
      label="Reason"
      hint="At least 10 characters. Kept in the audit trail and shown to support."
      value={value}
      onChange={onChange}
      error={error}
      maxLength={500}
      {...(id ? { id } : {})}
      {...(autoFocus ? { autoFocus } : {})}
    />
  );
}

export function CheckboxField({
  label,
  checked,
  onChange,
  hint,
}: {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="checkbox-field">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------------------

/**
 * What the API refused, by field: the schema's issues (`fieldIssues`), and a BAD_REQUEST whose message starts
 * with a field's name ("status: add at least one lesson…", the routers' convention for their own checks).
 * `general` holds what names no field, to be shown above the form.
 */
export function refusalsOf(error: unknown): { fields: Record<string, string>; general: unknown | null } {
  const fields: Record<string, string> = {};
  for (const issue of apiFieldIssues(error)) {
    fields[issue.path] ??= issue.message;
    const top = issue.path.split(".")[0] ?? "";
    fields[top] ??= issue.message;
  }
  if (Object.keys(fields).length > 0) return { fields, general: null };
  if (apiErrorCode(error) === "BAD_REQUEST") {
    const match = /^([a-zA-Z][\w.]*): (.+)$/.exec(describeApiError(error).message);
    if (match?.[1] && match[2]) {
      const message = match[2].charAt(0).toUpperCase() + match[2].slice(1);
      return { fields: { [match[1]]: message }, general: null };
    }
  }
  return { fields: {}, general: error };
}

/** The first message for each field of a schema's issues. */
export function issuesByField(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string> {
  const found: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".");
    found[key] ??= issue.message;
    found[String(issue.path[0] ?? "")] ??= issue.message;
  }
  return found;
}

/**
 * After a refused submit, focus moves to the first field showing an error (its message is read with it), or to
 * the form's general problem. Each refusal moves focus again.
 */
export function useFocusFirstProblem() {
  const formRef = useRef<HTMLFormElement>(null);
  const [refusals, setRefusals] = useState(0);
  useEffect(() => {
    if (refusals === 0) return;
    const form = formRef.current;
    const target =
      form?.querySelector<HTMLElement>("[aria-invalid='true']") ?? form?.querySelector<HTMLElement>("[role='alert']");
    if (target && !target.hasAttribute("tabindex") && target.getAttribute("role") === "alert") target.tabIndex = -1;
    target?.focus();
  }, [refusals]);
  const refused = useCallback(() => setRefusals((count) => count + 1), []);
  return { formRef, refused };
}

// ---------------------------------------------------------------------------------------------------------
// Days and times
// ---------------------------------------------------------------------------------------------------------

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** A calendar day (YYYY-MM-DD) at a time of the reader's day, as the API's instant; undefined if not a day. */
export function dayToInstant(day: string, time = "00:00"): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const clock = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match || !clock) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(clock[1]), Number(clock[2]));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** An instant as the reader's calendar day, for a date input. */
export function instantToDay(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A date-time-local input's value (YYYY-MM-DDTHH:MM) as the API's instant. */
export function localToInstant(value: string): string | undefined {
  const [day, time] = value.split("T");
  return dayToInstant(day ?? "", time ?? "");
}

export function instantToLocal(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return `${instantToDay(iso)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The day `days` from today, for a sensible default in a date input. */
export function dayFromToday(days: number): string {
  return instantToDay(new Date(Date.now() + days * 86_400_000).toISOString());
}

/** "45 min", "2 h", "1 h 30 min". */
export function minutesInWords(minutes: number | null): string {
  if (minutes === null) return "—";
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

const money = new Map<string, Intl.NumberFormat>();

/** "£149.00"; "Free" when the course has no price. */
export function priceInWords(price: { cents: number; currency: string } | null): string {
  if (!price) return "Free";
  let format = money.get(price.currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: "currency", currency: price.currency });
    money.set(price.currency, format);
  }
  return format.format(price.cents / 100);
}
