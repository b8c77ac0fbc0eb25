import { changePasswordInput } from "@learnops/contracts/account";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "./api-provider.tsx";
import { Button, Card, PageHeader, StatusMessage, useDocumentTitle } from "./components.tsx";
import {
  ErrorSummary,
  FormField,
  problemsFromApiError,
  problemsFromIssues,
  useFocusOnShow,
  useFormProblems,
} from "./forms.tsx";
import { useSession } from "./session.tsx";

const fields = ["currentPassword", "newPassword", "confirmPassword"] as const;
type Field = (typeof fields)[number];

const empty: Record<Field, string> = { currentPassword: "", newPassword: "", confirmPassword: "" };

function sessionsEnded(count: number): string {
  if (count === 0) return "You had no other sessions to sign out.";
  return `Your ${count === 1 ? "other session was" : `${count} other sessions were`} signed out: sign in there again with the new password.`;
}

/** The change-password page (its own chunk): the current password, the new one twice. */
export default function ChangePasswordPage() {
  const trpc = useTRPC();
  const session = useSession();
  const state = useFormProblems<Field>();
  const [values, setValues] = useState(empty);
  const [done, setDone] = useState<{ otherSessionsEnded: number } | null>(null);
  const doneRef = useFocusOnShow(done !== null);
  useDocumentTitle("Change your password · LearnOps");

  const change = useMutation(
    trpc.account.changePassword.mutationOptions({
      onSuccess: (result) => {
        setValues(empty);
        state.clear();
        setDone(result);
      },
      onError: (error) => {
        const problems = problemsFromApiError(error, fields);
        // The API's one field-less refusal that is about a field: the current password is wrong.
        if (problems.general === "Your current password is not correct") {
          state.report({ fields: { currentPassword: problems.general }, general: null });
        } else state.report(problems);
        setValues((current) => ({ ...current, currentPassword: "" }));
      },
    }),
  );

  const actingAs = session.status === "signedIn" ? session.session.actingAs : null;
  const person = session.status === "signedIn" ? session.session.user.displayName : "";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (change.isPending) return;
    const parsed = changePasswordInput.safeParse({
      currentPassword: values.currentPassword,
      newPassword: values.newPassword,
    });
    const problems = parsed.success
      ? { fields: {}, general: null }
      : problemsFromIssues<Field>(parsed.error.issues, fields);
    if (values.confirmPassword !== values.newPassword) {
      problems.fields = {
        ...problems.fields,
        confirmPassword: values.confirmPassword
          ? "The two new passwords are different"
          : "Enter the new password again",
      };
    }
    if (!parsed.success || problems.fields.confirmPassword) {
      state.report(problems);
      return;
    }
    state.clear();
    setDone(null);
    change.mutate(parsed.data);
  }

  const update = (field: Field) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));

  return (
    <>
      <PageHeader
        title="Change your password"
        lead="Choose a new password with your current one. Everywhere else you are signed in is signed out; this browser stays signed in."
      />
      {actingAs ? (
        <StatusMessage>
          Only {person} can change their password. You are acting as them: stop acting to change your own.
        </StatusMessage>
      ) : (
        <Card title="Your password">
          {done ? (
            <div ref={doneRef} className="status-message" data-tone="positive" tabIndex={-1}>
              Your password is changed. {sessionsEnded(done.otherSessionsEnded)}
            </div>
          ) : null}
          <ErrorSummary state={state} fields={fields} />
          <form className="form" noValidate onSubmit={submit}>
            <FormField
              id={state.fieldId("currentPassword")}
              label="Current password"
              type="password"
              autoComplete="current-password"
              value={values.currentPassword}
              onChange={update("currentPassword")}
              error={state.problems?.fields.currentPassword}
            />
            <FormField
              id={state.fieldId("newPassword")}
              label="New password"
              hint="At least 12 characters."
              type="password"
              autoComplete="new-password"
              value={values.newPassword}
              onChange={update("newPassword")}
              error={state.problems?.fields.newPassword}
            />
            <FormField
              id={state.fieldId("confirmPassword")}
              label="New password again"
              type="password"
              autoComplete="new-password"
              value={values.confirmPassword}
              onChange={update("confirmPassword")}
              error={state.problems?.fields.confirmPassword}
            />
            <div>
              <Button type="submit" variant="primary" isPending={change.isPending}>
                Change password
              </Button>
            </div>
          </form>
        </Card>
      )}
    </>
  );
}
