/**
 * Form fields, a modal dialog and dates shared by the console's settings sections (client groups, branding,
 * API keys, audit log).
 */
import "./settings.css";
import { type InputHTMLAttributes, type ReactNode, useEffect, useId, useRef } from "react";
import { Dialog, Heading } from "react-aria-components/Dialog";
import { Modal, ModalOverlay } from "react-aria-components/Modal";

// ---------------------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------------------

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value" | "id"> {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  /** What is wrong with the value, shown above the input and read with it. */
  error?: string | null | undefined;
  /** A hint shown under the label, read with the input. */
  hint?: ReactNode;
  /** The input's id, for links from an error summary; generated when not given. */
  id?: string;
}

/** A labelled text input with its hint and its error tied to it (`aria-describedby`, `aria-invalid`). */
export function TextField({ label, value, onChange, error, hint, id, className, ...input }: TextFieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={["field", className].filter(Boolean).join(" ")} data-invalid={error ? "" : undefined}>
      <label htmlFor={inputId}>{label}</label>
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
        id={inputId}
        className="input"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
    </div>
  );
}

export interface FormProblem {
  /** The id of the input the problem is about; the summary links to it. */
  fieldId: string;
  message: string;
}

/**
 * "There is a problem": every refusal of a form in one list, each linked to its field. It takes focus each
 * time `attempt` changes, so the list is read first after a refused submit.
 */
export function ErrorSummary({
  problems,
  general,
  attempt,
}: {
  problems: readonly FormProblem[];
  general?: string | null;
  attempt: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    if (attempt > 0) ref.current?.focus();
  }, [attempt]);
  if (problems.length === 0 && !general) return null;
  return (
    <div ref={ref} className="error-summary" tabIndex={-1}>
      <div role="alert">
        <h2 id={titleId} className="error-summary-title">
          There is a problem
        </h2>
        <ul>
          {general ? <li>{general}</li> : null}
          {problems.map((problem) => (
            <li key={problem.fieldId}>
              <a
                href={`#${problem.fieldId}`}
                onClick={(event) => {
                  event.preventDefault();
                  const field = document.getElementById(problem.fieldId);
                  field?.focus();
                  field?.scrollIntoView({ block: "center" });
                }}
              >
                {problem.message}
              </a>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Modal dialog
// ---------------------------------------------------------------------------------------------------------

export interface ModalDialogProps {
  title: ReactNode;
  /** Escape, a press outside, Cancel or the work being done: the parent stops rendering the dialog. */
  onClose: () => void;
  /** `alertdialog` for a confirmation of something that cannot be undone. */
  role?: "dialog" | "alertdialog";
  /** While true, neither Escape nor a press outside closes it (a request is on its way). */
  busy?: boolean;
  /** Where focus goes when the dialog closes if the element that opened it has gone (a removed row). */
  returnFocusTo?: () => HTMLElement | null;
  children: ReactNode;
}

/**
 * A react-aria modal dialog, open for as long as it is rendered: focus moves into it (to the element given
 * `autoFocus`, else the dialog), stays inside while it is open and returns to the element that opened it.
 */
export function ModalDialog({
  title,
  onClose,
  role = "dialog",
  busy = false,
  returnFocusTo,
  children,
}: ModalDialogProps) {
  // Read in the clean-up, which runs after the last render: the latest value, not that of the first.
  const latestReturnFocusTo = useRef(returnFocusTo);
  latestReturnFocusTo.current = returnFocusTo;
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    return () => {
      // react-aria gives focus back to the opener; when the opener went with what the dialog did, move it on.
      requestAnimationFrame(() => {
        if (opener?.isConnected) return;
        latestReturnFocusTo.current?.()?.focus();
      });
    };
  }, []);

  return (
    <ModalOverlay
      isOpen
      onOpenChange={(isOpen) => {
        if (!isOpen) onClose();
      }}
      className="modal-overlay"
      isDismissable={!busy}
      isKeyboardDismissDisabled={busy}
    >
      <Modal className="modal settings-modal">
        <Dialog role={role} className="dialog">
          <Heading slot="title" className="settings-dialog-title">
            {title}
          </Heading>
          {children}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------------------

const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** A day, as the reader writes dates, machine-readable in `dateTime`. */
export function DateText({ value }: { value: string }) {
  return <time dateTime={value}>{dateFormat.format(new Date(value))}</time>;
}

/** A moment to the second, as the reader writes dates and times. */
export function DateTimeText({ value }: { value: string }) {
  return <time dateTime={value}>{dateTimeFormat.format(new Date(value))}</time>;
}

/** "1 client group", "3 client groups". */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
