/**
 * The account pages people reach signed out, most of them from a link in an email: "Forgot your password?",
 * choosing a new password, confirming an address, and registering where an institution allows it. One chunk,
 * loaded only when one of them is opened.
 */
import { forgotPasswordInput, registerInput, verifyEmailInput } from "@learnops/contracts/account";
import { resetPasswordInput } from "@learnops/contracts/auth";
import { type InstitutionDirectoryEntry, institutionSlug } from "@learnops/contracts/institutions";
import { useTRPC } from "@learnops/ui/api-provider";
import { Button, ErrorState, LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import {
  ErrorSummary,
  FormField,
  problemsFromApiError,
  problemsFromIssues,
  useFocusOnShow,
  useFormProblems,
} from "@learnops/ui/forms";
import { AppLink } from "@learnops/ui/navigation";
import { skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ChangeEvent, type FormEvent, type ReactNode, useEffect, useState } from "react";
import { LearnerShell } from "./learner-shell.tsx";
import { basePath, institutionHref, signInHref } from "./routes.ts";

// ---------------------------------------------------------------------------------------------------------
// What the address carries
// ---------------------------------------------------------------------------------------------------------

/** `?institution=<slug>`: the institution whose sign-in page led here, to brand the page and go back to. */
function institutionInAddress(): string | null {
  const value = new URLSearchParams(window.location.search).get("institution");
  return value && institutionSlug.safeParse(value).success ? value : null;
}

/** The institution named in the address, for its colours; none when it names none (or an unknown one). */
function useBrandingFromAddress(): { slug: string | null; institution: InstitutionDirectoryEntry | null } {
  const trpc = useTRPC();
  const [slug] = useState(institutionInAddress);
  const institution = useQuery(trpc.institutions.bySlug.queryOptions(slug ? { slug } : skipToken));
  return { slug: institution.data ? slug : null, institution: institution.data ?? null };
}

/**
 * The single-use token of a link in an email. It is read once and taken out of the address at once
 * (`history.replaceState`), so it lingers in neither the browser's history nor a `Referer`; this tab keeps it
 * (sessionStorage) only so that reloading the page still works, until it has been used.
 */
function useTokenFromLink(storageKey: string): string | null {
  const [token] = useState(() => {
    const fromLink = new URLSearchParams(window.location.search).get("token");
    try {
      if (fromLink) sessionStorage.setItem(storageKey, fromLink);
      return fromLink ?? sessionStorage.getItem(storageKey);
    } catch {
      // Storage refused (private mode with storage off): the token from the link still works once.
      return fromLink;
    }
  });
  useEffect(() => {
    const url = new URL(window.location.href);
    if (!url.searchParams.has("token")) return;
    url.searchParams.delete("token");
    window.history.replaceState(window.history.state, "", `${url.pathname}${url.search}${url.hash}`);
  }, []);
  return token;
}

function forgetToken(storageKey: string): void {
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // Nothing was kept.
  }
}

const resetTokenKey = "learnops.password-reset-token";
const verificationTokenKey = "learnops.email-verification-token";

// ---------------------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------------------

/** A message that replaces a form once it has done its work; it takes focus, as the form's button is gone. */
function Outcome({ tone, children }: { tone: "positive" | "neutral"; children: ReactNode }) {
  const ref = useFocusOnShow(true);
  return (
    <div ref={ref} className="status-message account-outcome" data-tone={tone} tabIndex={-1}>
      {children}
    </div>
  );
}

type Values<Field extends string> = Record<Field, string>;

/** Form values kept as typed, with a change handler per field. */
function useValues<Field extends string>(initial: Values<Field>) {
  const [values, setValues] = useState(initial);
  const update = (field: Field) => (event: ChangeEvent<HTMLInputElement>) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));
  return { values, setValues, update };
}

const newPasswordHint = "At least 12 characters.";

// ---------------------------------------------------------------------------------------------------------
// Forgot your password?
// ---------------------------------------------------------------------------------------------------------

const forgotFields = ["email"] as const;

/** Asks for a link to choose a new password; the answer is the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  const trpc = useTRPC();
  const { slug, institution } = useBrandingFromAddress();
  const state = useFormProblems<(typeof forgotFields)[number]>();
  const { values, update } = useValues({ email: "" });
  useDocumentTitle(
    institution ? `Forgot your password? · ${institution.displayName} · LearnOps` : "Forgot your password? · LearnOps",
  );
  const request = useMutation(
    trpc.account.requestPasswordReset.mutationOptions({
      onError: (error) => state.report(problemsFromApiError(error, forgotFields)),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (request.isPending) return;
    const parsed = forgotPasswordInput.safeParse({ email: values.email, ...(slug ? { institutionSlug: slug } : {}) });
    if (!parsed.success) {
      state.report(problemsFromIssues(parsed.error.issues, forgotFields));
      return;
    }
    state.clear();
    request.mutate(parsed.data);
  }

  return (
    <LearnerShell institution={institution}>
      <section className="card sign-in">
        <PageHeader
          title="Forgot your password?"
          lead="Enter the email address you sign in with. We will send it a link to choose a new password."
        />
        {request.isSuccess ? (
          <>
            <Outcome tone="positive">{request.data.message}</Outcome>
            <p>
              The email can take a few minutes to arrive; check your spam folder too. Nothing after an hour? Ask again
              on this page.
            </p>
          </>
        ) : (
          <>
            <ErrorSummary state={state} fields={forgotFields} />
            <form className="form" noValidate onSubmit={submit}>
              <FormField
                id={state.fieldId("email")}
                label="Email address"
                type="email"
                autoComplete="username"
                inputMode="email"
                spellCheck={false}
                autoCapitalize="none"
                value={values.email}
                onChange={update("email")}
                error={state.problems?.fields.email}
              />
              <div>
                <Button type="submit" variant="primary" isPending={request.isPending}>
                  Send me a link
                </Button>
              </div>
            </form>
          </>
        )}
      </section>
      <p className="sign-in-aside">
        Remembered it? <AppLink href={signInHref(slug)}>Back to sign in</AppLink>
      </p>
    </LearnerShell>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Choose a new password
// ---------------------------------------------------------------------------------------------------------

const resetFields = ["newPassword", "confirmPassword"] as const;
type ResetField = (typeof resetFields)[number];

/** The page a reset link opens: a new password, twice; on success every session of the person has ended. */
export function ResetPasswordPage() {
  const trpc = useTRPC();
  const token = useTokenFromLink(resetTokenKey);
  const { slug, institution } = useBrandingFromAddress();
  const state = useFormProblems<ResetField>();
  const { values, setValues, update } = useValues<ResetField>({ newPassword: "", confirmPassword: "" });
  useDocumentTitle("Choose a new password · LearnOps");
  const queryClient = useQueryClient();
  const reset = useMutation(
    trpc.account.resetPassword.mutationOptions({
      onSuccess: () => {
        forgetToken(resetTokenKey);
        setValues({ newPassword: "", confirmPassword: "" });
        // Every session of the person ended, this browser's too if it had one: the app forgets it now, not at
        // the next request.
        queryClient.setQueryData(trpc.me.session.queryKey(), null);
      },
      onError: (error) => state.report(problemsFromApiError(error, resetFields)),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (reset.isPending) return;
    const parsed = resetPasswordInput.safeParse({ token: token ?? "", newPassword: values.newPassword });
    const problems = parsed.success
      ? { fields: {}, general: null }
      : problemsFromIssues<ResetField>(parsed.error.issues, resetFields);
    if (values.confirmPassword !== values.newPassword) {
      problems.fields = {
        ...problems.fields,
        confirmPassword: values.confirmPassword ? "The two passwords are different" : "Enter the new password again",
      };
    }
    if (!parsed.success || problems.fields.confirmPassword) {
      state.report(problems);
      return;
    }
    state.clear();
    reset.mutate(parsed.data);
  }

  let body: ReactNode;
  if (reset.isSuccess) {
    body = (
      <>
        <Outcome tone="positive">
          Your password is changed. Wherever you were signed in, you have been signed out.
        </Outcome>
        <p>
          <AppLink href={signInHref(slug)}>Sign in with your new password</AppLink>
        </p>
      </>
    );
  } else if (!token) {
    body = (
      <MissingLink
        message="This page opens from the link in a password reset email, and that link was not complete."
        slug={slug}
      />
    );
  } else {
    body = (
      <>
        <ErrorSummary state={state} fields={resetFields} />
        {state.problems?.general ? (
          <p>
            Links work once, for one hour. <AppLink href={forgotHref(slug)}>Ask for a new link</AppLink>
          </p>
        ) : null}
        <form className="form" noValidate onSubmit={submit}>
          <FormField
            id={state.fieldId("newPassword")}
            label="New password"
            hint={newPasswordHint}
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
            <Button type="submit" variant="primary" isPending={reset.isPending}>
              Save the new password
            </Button>
          </div>
        </form>
      </>
    );
  }

  return (
    <LearnerShell institution={institution}>
      <section className="card sign-in">
        <PageHeader
          title="Choose a new password"
          lead="Once it is saved, you are signed out everywhere and sign in again with it."
        />
        {body}
      </section>
    </LearnerShell>
  );
}

function forgotHref(slug: string | null): string {
  return `${basePath}account/forgot-password${slug ? `?institution=${encodeURIComponent(slug)}` : ""}`;
}

/** Said when a page that needs a link's token was opened without one. */
function MissingLink({ message, slug }: { message: string; slug: string | null }) {
  return (
    <>
      <div role="alert" className="error-state">
        <p className="error-state-title">{message}</p>
      </div>
      <p>
        Open the link again from the email, or <AppLink href={forgotHref(slug)}>ask for a new link</AppLink>.
      </p>
    </>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Confirm your email address
// ---------------------------------------------------------------------------------------------------------

/**
 * The page a confirmation link opens. Confirming takes a button press, never the page load: mail scanners open
 * links in emails before their recipients do, and would otherwise confirm addresses nobody looked at.
 */
export function VerifyEmailPage() {
  const trpc = useTRPC();
  const token = useTokenFromLink(verificationTokenKey);
  const { slug, institution } = useBrandingFromAddress();
  const state = useFormProblems<never>();
  useDocumentTitle("Confirm your email address · LearnOps");
  const verify = useMutation(
    trpc.account.verifyEmail.mutationOptions({
      onSuccess: () => forgetToken(verificationTokenKey),
      onError: (error) => state.report(problemsFromApiError(error, [])),
    }),
  );

  function confirm() {
    if (verify.isPending) return;
    const parsed = verifyEmailInput.safeParse({ token: token ?? "" });
    if (!parsed.success) {
      state.report(problemsFromIssues(parsed.error.issues, []));
      return;
    }
    state.clear();
    verify.mutate(parsed.data);
  }

  let body: ReactNode;
  if (verify.isSuccess) {
    body = (
      <>
        <Outcome tone="positive">Your email address is confirmed. You can sign in now.</Outcome>
        <p>
          <AppLink href={signInHref(slug)}>Sign in</AppLink>
        </p>
      </>
    );
  } else if (!token) {
    body = (
      <div role="alert" className="error-state">
        <p className="error-state-title">
          This page opens from the link in a confirmation email, and that link was not complete. Open it again from the
          email.
        </p>
      </div>
    );
  } else {
    body = (
      <>
        <ErrorSummary state={state} fields={[]} />
        <div>
          <Button variant="primary" onPress={confirm} isPending={verify.isPending}>
            Confirm my email address
          </Button>
        </div>
      </>
    );
  }

  return (
    <LearnerShell institution={institution}>
      <section className="card sign-in">
        <PageHeader
          title="Confirm your email address"
          lead="Confirm that this address is yours to finish creating your account."
        />
        {body}
      </section>
    </LearnerShell>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Create an account
// ---------------------------------------------------------------------------------------------------------

const registerFields = ["displayName", "email", "password"] as const;
type RegisterField = (typeof registerFields)[number];

/** Registration as a learner of an institution that allows it; the account works once its address is confirmed. */
export function RegisterPage({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const institution = useQuery(trpc.institutions.bySlug.queryOptions({ slug }));
  const name = institution.data?.displayName;
  useDocumentTitle(
    name
      ? `Create an account · ${name} · LearnOps`
      : institution.isError
        ? "Institution could not be opened · LearnOps"
        : "Create an account · LearnOps",
  );

  if (institution.isPending) {
    return (
      <LearnerShell>
        <LoadingState label="Loading the institution…" />
      </LearnerShell>
    );
  }
  if (institution.isError) {
    return (
      <LearnerShell>
        <PageHeader title="This institution could not be opened" />
        <ErrorState error={institution.error} onRetry={() => void institution.refetch()} />
        <p>
          Check the address you were given, or <AppLink href={basePath}>choose your institution from the list</AppLink>.
        </p>
      </LearnerShell>
    );
  }

  const place = institution.data;
  return (
    <LearnerShell institution={place}>
      <section className="card sign-in">
        <PageHeader
          title="Create an account"
          lead={`Learn with ${place.displayName}: once you confirm your email address, you can sign in.`}
        />
        {place.selfRegistration ? (
          <RegisterForm slug={place.slug} />
        ) : (
          <p className="status-message">
            {place.displayName} does not let people create their own accounts. Ask {place.displayName} to add you.
          </p>
        )}
      </section>
      <p className="sign-in-aside">
        Already have an account? <AppLink href={institutionHref(place.slug)}>Sign in</AppLink>
      </p>
    </LearnerShell>
  );
}

function RegisterForm({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const state = useFormProblems<RegisterField>();
  const { values, setValues, update } = useValues<RegisterField>({ displayName: "", email: "", password: "" });
  const register = useMutation(
    trpc.account.register.mutationOptions({
      onSuccess: () => setValues({ displayName: "", email: "", password: "" }),
      onError: (error) => state.report(problemsFromApiError(error, registerFields)),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (register.isPending) return;
    const parsed = registerInput.safeParse({ ...values, institutionSlug: slug });
    if (!parsed.success) {
      state.report(problemsFromIssues(parsed.error.issues, registerFields));
      return;
    }
    state.clear();
    register.mutate(parsed.data);
  }

  if (register.isSuccess) return <Outcome tone="positive">{register.data.message}</Outcome>;

  return (
    <>
      <ErrorSummary state={state} fields={registerFields} />
      <form className="form" noValidate onSubmit={submit}>
        <FormField
          id={state.fieldId("displayName")}
          label="Your name"
          hint="As your instructors and classmates will see it."
          autoComplete="name"
          value={values.displayName}
          onChange={update("displayName")}
          error={state.problems?.fields.displayName}
        />
        <FormField
          id={state.fieldId("email")}
          label="Email address"
          type="email"
          autoComplete="email"
          inputMode="email"
          spellCheck={false}
          autoCapitalize="none"
          value={values.email}
          onChange={update("email")}
          error={state.problems?.fields.email}
        />
        <FormField
          id={state.fieldId("password")}
          label="Password"
          hint={newPasswordHint}
          type="password"
          autoComplete="new-password"
          value={values.password}
          onChange={update("password")}
          error={state.problems?.fields.password}
        />
        <div>
          <Button type="submit" variant="primary" isPending={register.isPending}>
            Create account
          </Button>
        </div>
      </form>
    </>
  );
}
