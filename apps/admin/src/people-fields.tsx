/**
 * Form fields and the modal dialog of the People section, built on react-aria-components as packages/ui's
 * membership switcher and sessions page are: labels, hints and errors are tied to their inputs, selects open
 * a list box that works with arrows, type-ahead, Enter and Escape, and a dialog keeps focus inside until it
 * closes, then returns it to the button that opened it.
 */
import { type ReactNode, type RefObject, useCallback, useEffect, useRef, useState } from "react";
import { Dialog, DialogTrigger, Heading } from "react-aria-components/Dialog";
import { Modal, ModalOverlay } from "react-aria-components/Modal";
import {
  Button as AriaButton,
  FieldError,
  type Key,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
  Text,
} from "react-aria-components/Select";
import { Input, Label, TextArea, TextField } from "react-aria-components/TextField";

export interface PeopleTextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** What is wrong with the value; shown under the label and read with the input. */
  error?: string | undefined;
  hint?: ReactNode;
  type?: "text" | "email";
  autoComplete?: string;
  /** A multi-line input, for reasons and notes. */
  multiline?: boolean;
  autoFocus?: boolean;
}

export function PeopleTextField({ label, value, onChange, error, hint, multiline, ...input }: PeopleTextFieldProps) {
  return (
    <TextField
      className="field"
      value={value}
      onChange={onChange}
      isInvalid={Boolean(error)}
      validationBehavior="aria"
      autoFocus={input.autoFocus ?? false}
    >
      <Label className="field-label">{label}</Label>
      {hint ? (
        <Text slot="description" className="field-hint">
          {hint}
        </Text>
      ) : null}
      <FieldError className="field-error">{error}</FieldError>
      {multiline ? (
        <TextArea className="input people-textarea" rows={3} />
      ) : (
        <Input
          className="input"
          type={input.type ?? "text"}
          {...(input.autoComplete ? { autoComplete: input.autoComplete } : {})}
        />
      )}
    </TextField>
  );
}

export interface PeopleSelectOption {
  id: string;
  label: string;
}

export interface PeopleSelectFieldProps {
  label: string;
  options: readonly PeopleSelectOption[];
  value: string | null;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  placeholder?: string;
}

/** A react-aria Select: a button showing the choice, opening a list box of the options. */
export function PeopleSelectField({
  label,
  options,
  value,
  onChange,
  error,
  hint,
  placeholder,
}: PeopleSelectFieldProps) {
  return (
    <Select
      className="field people-select"
      value={value}
      onChange={(key: Key | null) => {
        if (typeof key === "string") onChange(key);
      }}
      isInvalid={Boolean(error)}
      validationBehavior="aria"
      placeholder={placeholder ?? "Choose…"}
    >
      <Label className="field-label">{label}</Label>
      {hint ? (
        <Text slot="description" className="field-hint">
          {hint}
        </Text>
      ) : null}
      <FieldError className="field-error">{error}</FieldError>
      <AriaButton className="input people-select-button">
        <SelectValue className="people-select-value" />
        <span className="people-select-chevron" aria-hidden="true" />
      </AriaButton>
      <Popover className="people-popover" placement="bottom start">
        <ListBox className="people-options" items={options}>
          {(option) => (
            <ListBoxItem id={option.id} className="people-option" textValue={option.label}>
              {option.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}

export interface PeopleDialogProps {
  /** The button that opens the dialog; focus returns to it when the dialog closes. */
  trigger: ReactNode;
  title: string;
  /** `alertdialog` for a confirmation of something that cannot be undone. */
  role?: "dialog" | "alertdialog";
  /** While something is being saved, Escape and a click outside do not close the dialog. */
  isBusy?: boolean;
  isOpen?: boolean;
  onOpenChange?: (isOpen: boolean) => void;
  children: (close: () => void) => ReactNode;
}

/** A modal dialog opened by its trigger button, titled by its heading. */
export function PeopleDialog({
  trigger,
  title,
  role = "dialog",
  isBusy,
  isOpen,
  onOpenChange,
  children,
}: PeopleDialogProps) {
  return (
    <DialogTrigger {...(isOpen === undefined ? {} : { isOpen })} {...(onOpenChange ? { onOpenChange } : {})}>
      {trigger}
      <ModalOverlay
        className="modal-overlay people-modal-overlay"
        isDismissable={!isBusy}
        isKeyboardDismissDisabled={isBusy ?? false}
      >
        <Modal className="modal people-modal">
          <Dialog role={role} className="dialog">
            {({ close }) => (
              <>
                <Heading slot="title" className="people-dialog-title">
                  {title}
                </Heading>
                {children(close)}
              </>
            )}
          </Dialog>
        </Modal>
      </ModalOverlay>
    </DialogTrigger>
  );
}

/**
 * After a refused submit, focus goes to the first field with a problem, so keyboard and screen-reader users
 * land on what to fix (its message is read with it); each refusal moves focus again, even with the same
 * problems. A refusal about the whole form is an alert, announced where focus is.
 */
export function useFocusOnRefusal(): { formRef: RefObject<HTMLFormElement | null>; refused: () => void } {
  const formRef = useRef<HTMLFormElement>(null);
  const [refusals, setRefusals] = useState(0);
  useEffect(() => {
    if (refusals === 0) return;
    formRef.current?.querySelector<HTMLElement>(".field[data-invalid] .input")?.focus();
  }, [refusals]);
  const refused = useCallback(() => setRefusals((count) => count + 1), []);
  return { formRef, refused };
}
