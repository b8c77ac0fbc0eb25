import type { SignInInput } from "@learnops/contracts/auth";
import type { SessionView } from "@learnops/contracts/me";
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { forgotPasswordHref } from "./account-links.ts";
import { apiFieldIssues, describeApiError } from "./api-errors.ts";
import { useTRPC } from "./api-provider.tsx";
import { Button } from "./components.tsx";
import { AppLink } from "./navigation.tsx";

/** Why sign-in is shown again, said on the sign-in page. */
export interface SessionNotice {
  tone: "neutral" | "positive";
  message: string;
  /** The institution the ended session acted in: a learner goes back to its sign-in page. */
  institutionSlug: string | null;
}

export interface SignInFormProps {
  /** The page's `<h1>`: "Sign in". */
  title: string;
  /** A sentence under the title saying what signing in leads to. */
  lead?: ReactNode;
  /** Signing in on an institution's page makes the membership there the active one. */
  institutionSlug?: string;
  /** Why sign-in is shown again; it takes focus so it is read first. */
  notice?: SessionNotice | null;
  /** Called with the new session: `SignInForm` from ./session puts it in place. */
  onSignedIn: (session: SessionView) => void;
}

// The schema brings zod (about 24 kB compressed): fetched while the person types, never blocking the form.
const loadSchema = () => import("@learnops/contracts/auth").then((module) => module.signInInput);

type Field = "email" | "password";

interface Problems {
  /** What is wrong with each field, shown beside it and linked from the summary. */
  fields: Partial<Record<Field, string>>;
  /** A refusal that belongs to no one field: wrong credentials, a lockout, the API out of reach. */
  general: string | null;
}

const fieldLabels: Record<Field, string> = { email: "Email address", password: "Password" };

function isField(key: unknown): key is Field {
  return key === "email" || key === "password";
}

/**
 * Email and password. Input is checked with the same `signInInput` schema the API uses, so the messages are
 * the same before and after a round trip. Problems go in a summary that takes focus (and so is read first),
 * each linked to its field, and beside each field.
 */
export function SignInFormFields({ title, lead, institutionSlug, notice, onSignedIn }: SignInFormProps) {
  const trpc = useTRPC();
  const id = useId();
  const fieldId = (field: Field) => `${id}-${field}`;
  const [values, setValues] = useState<Record<Field, string>>({ email: "", password: "" });
  const [problems, setProblems] = useState<Problems | null>(null);
  // Counts refusals, so that each one moves focus to the summary again, even with the same message.
  const [refusals, setRefusals] = useState(0);
  const summaryRef = useRef<HTMLDivElement>(null);
  const noticeRef = useRef<HTMLDivElement>(null);

  function report(next: Problems) {
    setProblems(next);
    setRefusals((count) => count + 1);
  }

  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: (session) => onSignedIn(session),
      onError: (error) => {
        const fields: Problems["fields"] = {};
        for (const issue of apiFieldIssues(error)) {
          const field = issue.path.split(".")[0];
          if (isField(field)) fields[field] ??= issue.message;
        }
        // A password that was refused is not left in the field to be sent again by mistake.
        setValues((current) => ({ ...current, password: "" }));
        report({ fields, general: Object.keys(fields).length ? null : describeApiError(error).message });
      },
    }),
  );

  useEffect(() => {
    void loadSchema();
  }, []);

  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  useEffect(() => {
    if (refusals > 0) summaryRef.current?.focus();
  }, [refusals]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (signIn.isPending) return;
    const input: SignInInput = { email: values.email, password: values.password };
    if (institutionSlug) input.institutionSlug = institutionSlug;
    let signInInput: Awaited<ReturnType<typeof loadSchema>>;
    try {
      signInInput = await loadSchema();
    } catch {
      // The schema could not be fetched (offline, or a deploy replaced it): the API checks the same rules.
      signIn.mutate(input);
      return;
    }
    const parsed = signInInput.safeParse(input);
    if (!parsed.success) {
      const fields: Problems["fields"] = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (isField(field)) fields[field] ??= issue.message;
      }
      report({ fields, general: Object.keys(fields).length ? null : (parsed.error.issues[0]?.message ?? null) });
      return;
    }
    setProblems(null);
    signIn.mutate(parsed.data);
  }

  function focusField(field: Field) {
    const input = document.getElementById(fieldId(field));
    input?.focus();
    input?.scrollIntoView({ block: "center" });
  }

  const headingId = `${id}-title`;
  const summaryTitleId = `${id}-summary`;
  const fieldProblems = Object.entries(problems?.fields ?? {}) as [Field, string][];

  return (
    <section className="card sign-in" aria-labelledby={headingId}>
      <div className="page-header">
        <h1 id={headingId}>{title}</h1>
        {lead ? <p className="page-lead">{lead}</p> : null}
      </div>

      {notice ? (
        <div ref={noticeRef} className="status-message" data-tone={notice.tone} tabIndex={-1}>
          {notice.message}
        </div>
      ) : null}

      {problems ? (
        <div ref={summaryRef} className="error-summary" tabIndex={-1}>
          <div role="alert">
            <h2 id={summaryTitleId} className="error-summary-title">
              There is a problem
            </h2>
            <ul>
              {problems.general ? <li>{problems.general}</li> : null}
              {fieldProblems.map(([field, message]) => (
                <li key={field}>
                  <a
                    href={`#${fieldId(field)}`}
                    onClick={(event) => {
                      event.preventDefault();
                      focusField(field);
                    }}
                  >
                    {message}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}

      {institutionSlug ? <SingleSignOnOptions institutionSlug={institutionSlug} /> : null}

      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        {(["email", "password"] as const).map((field) => {
          const message = problems?.fields[field];
          const errorId = `${fieldId(field)}-error`;
          return (
            <div key={field} className="field" data-invalid={message ? "" : undefined}>
              <label htmlFor={fieldId(field)}>{fieldLabels[field]}</label>
              {message ? (
                <p id={errorId} className="field-error">
                  <span className="visually-hidden">Error: </span>
                  {message}
                </p>
              ) : null}
              <input
                id={fieldId(field)}
                name={field}
                className="input"
                value={values[field]}
                onChange={(event) => setValues((current) => ({ ...current, [field]: event.target.value }))}
                aria-invalid={message ? true : undefined}
                aria-describedby={message ? errorId : undefined}
                {...(field === "email"
                  ? {
                      type: "email",
                      autoComplete: "username",
                      inputMode: "email",
                      spellCheck: false,
                      autoCapitalize: "none",
                    }
                  : { type: "password", autoComplete: "current-password" })}
              />
            </div>
          );
        })}
        <div className="form-actions">
          <Button type="submit" variant="primary" isPending={signIn.isPending}>
            Sign in
          </Button>
          <ForgotPasswordLink institutionSlug={institutionSlug} />
        </div>
      </form>
    </section>
  );
}

/**
 * To the learner portal's "Forgot your password?" page, whichever app the form is in (every account's reset
 * happens there), branded for the institution whose sign-in page this is. Within the learner portal the page
 * opens in place; from the other apps it is a page load of the portal.
 */
function ForgotPasswordLink({ institutionSlug }: { institutionSlug: string | undefined }) {
  const href = forgotPasswordHref(institutionSlug);
  const Link = href.startsWith(import.meta.env.BASE_URL) ? AppLink : "a";
  return <Link href={href}>Forgot your password?</Link>;
}

/** Which app a SAML sign-in comes back to: the one whose sign-in page started it. */
function returnApp(): "learn" | "teach" | "admin" {
  const base = import.meta.env.BASE_URL;
  return base.startsWith("/teach") ? "teach" : base.startsWith("/admin") ? "admin" : "learn";
}

/**
 * "Sign in with <identity provider>" for each SAML identity provider the institution set up. Each is a plain
 * link: the browser leaves for the identity provider and comes back signed in (or to a page saying why not).
 * Nothing shows while they load or if they cannot be loaded: the password form below still works.
 */
function SingleSignOnOptions({ institutionSlug }: { institutionSlug: string }) {
  const trpc = useTRPC();
  const options = useQuery(trpc.identityProviders.signInOptions.queryOptions({ slug: institutionSlug }));
  if (!options.data?.length) return null;
  const app = returnApp();
  return (
    <div className="single-sign-on">
      <ul className="single-sign-on-options">
        {options.data.map((option) => (
          <li key={option.signInUrl}>
            <a className="button button-secondary" href={`${option.signInUrl}&app=${app}`}>
              Sign in with {option.name}
            </a>
          </li>
        ))}
      </ul>
      <p className="single-sign-on-divider">Or sign in with your email address and password</p>
    </div>
  );
}
