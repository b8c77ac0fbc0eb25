import "./branding.css";
import { type UpdateBrandingInput, updateBrandingInput } from "@learnops/contracts/administration";
import type { MembershipView } from "@learnops/contracts/me";
import { apiFieldIssues, describeApiError } from "@learnops/ui/api-errors";
import { useTRPC } from "@learnops/ui/api-provider";
import { brandInk, brandTheme, contrastRatio, textColourOn } from "@learnops/ui/branding";
import { Button, Card, initialsOf, StatusBadge, StatusMessage } from "@learnops/ui/components";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type CSSProperties, type FormEvent, useId, useState } from "react";
import { ErrorSummary, type FormProblem, TextField } from "./settings-controls.tsx";

type Institution = MembershipView["institution"];
type Field = keyof UpdateBrandingInput;

interface Draft {
  displayName: string;
  primaryColour: string;
  accentColour: string;
  logoUrl: string;
}

const fieldLabels: Record<Field, string> = {
  displayName: "Name",
  primaryColour: "Primary colour",
  accentColour: "Accent colour",
  logoUrl: "Logo address",
};

const isColour = (value: string) => /^#[0-9a-f]{6}$/i.test(value.trim());

/** White cards and form fields: where links and button text in the brand's ink sit. */
const surfaceColour = "#ffffff";
/** WCAG 2.2 AA for body text (1.4.3). */
const minimumContrast = 4.5;

interface ContrastCheck {
  label: string;
  /** What sits on what, in words: "White on #0b5cad". */
  pair: string;
  ratio: number;
}

function colourName(hex: string): string {
  if (hex === "#ffffff") return "white";
  if (hex === "#000000") return "black";
  return hex;
}

/**
 * Every text colour the theme puts on a colour derived from these, measured with the same functions that
 * build the theme: the name on the header band (and the initials on the logo square), and links and button
 * text in the interactive colour derived from the primary one. The accent colour carries no text: it is the
 * stripe under the band.
 */
function contrastChecks(primaryColour: string): ContrastCheck[] {
  const onBand = textColourOn(primaryColour);
  const ink = brandInk(primaryColour);
  return [
    {
      label: "Name on the header band",
      pair: `${colourName(onBand)} on ${primaryColour}`,
      ratio: contrastRatio(onBand, primaryColour),
    },
    {
      label: "Links on white",
      pair: `${ink} on white`,
      ratio: contrastRatio(ink, surfaceColour),
    },
    {
      label: "Text on primary buttons",
      pair: `white on ${ink}`,
      ratio: contrastRatio(surfaceColour, ink),
    },
  ];
}

function toInput(draft: Draft): UpdateBrandingInput {
  return {
    displayName: draft.displayName,
    primaryColour: draft.primaryColour.trim().toLowerCase(),
    accentColour: draft.accentColour.trim().toLowerCase(),
    logoUrl: draft.logoUrl.trim() === "" ? null : draft.logoUrl.trim(),
  };
}

function isField(key: unknown): key is Field {
  return key === "displayName" || key === "primaryColour" || key === "accentColour" || key === "logoUrl";
}

export default function BrandingView({ institution }: { institution: Institution }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const fieldId = (field: Field) => `${id}-${field}`;
  const saved: Draft = {
    displayName: institution.displayName,
    primaryColour: institution.primaryColour,
    accentColour: institution.accentColour,
    logoUrl: institution.logoUrl ?? "",
  };
  const [draft, setDraft] = useState<Draft>(saved);
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [outcome, setOutcome] = useState("");

  const update = useMutation(
    trpc.institutions.updateBranding.mutationOptions({
      onSuccess: async (branding) => {
        setOutcome(`Saved. Every app now shows ${branding.displayName} in its new branding.`);
        // The session and the memberships carry the institution's branding: refetching them re-themes the app.
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.me.session.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.me.memberships.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.institutions.pathKey() }),
        ]);
      },
      onError: (error) => {
        const fields: Partial<Record<Field, string>> = {};
        for (const issue of apiFieldIssues(error)) {
          const field = issue.path.split(".")[0];
          if (isField(field)) fields[field] ??= issue.message;
        }
        refuse(fields, Object.keys(fields).length ? null : describeApiError(error).message);
      },
    }),
  );

  function refuse(fields: Partial<Record<Field, string>>, message: string | null) {
    setProblems(fields);
    setGeneral(message);
    setOutcome("");
    setAttempt((count) => count + 1);
  }

  const change = (field: keyof Draft) => (value: string) => {
    setDraft((current) => ({ ...current, [field]: value }));
    setOutcome("");
  };

  const previewPrimary = isColour(draft.primaryColour) ? draft.primaryColour.toLowerCase() : saved.primaryColour;
  const previewAccent = isColour(draft.accentColour) ? draft.accentColour.toLowerCase() : saved.accentColour;
  const checks = contrastChecks(previewPrimary);
  const failing = checks.filter((check) => check.ratio < minimumContrast);
  const unchanged = JSON.stringify(toInput(draft)) === JSON.stringify(toInput(saved));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (update.isPending) return;
    const parsed = updateBrandingInput.safeParse(toInput(draft));
    const fields: Partial<Record<Field, string>> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (isField(field)) fields[field] ??= issue.message;
      }
    }
    if (isColour(draft.primaryColour)) {
      const below = contrastChecks(draft.primaryColour.toLowerCase()).filter((check) => check.ratio < minimumContrast);
      if (below.length > 0) {
        fields.primaryColour ??= `Text on this colour would fall below WCAG AA contrast (${below
          .map((check) => `${check.label.toLowerCase()}: ${check.ratio.toFixed(1)}:1`)
          .join("; ")}). Choose a darker or a lighter colour.`;
      }
    }
    if (!parsed.success || Object.keys(fields).length > 0) {
      refuse(fields, Object.keys(fields).length ? null : (parsed.error?.issues[0]?.message ?? null));
      return;
    }
    setProblems({});
    setGeneral(null);
    update.mutate(parsed.data);
  }

  const summary: FormProblem[] = (Object.keys(fieldLabels) as Field[]).flatMap((field) => {
    const message = problems[field];
    return message ? [{ fieldId: fieldId(field), message: `${fieldLabels[field]}: ${message}` }] : [];
  });

  return (
    <div className="branding-layout">
      <Card title="Your institution’s branding">
        <ErrorSummary problems={summary} general={general} attempt={attempt} />
        <form className="form" noValidate onSubmit={submit}>
          <TextField
            id={fieldId("displayName")}
            label={fieldLabels.displayName}
            hint="As learners know it; it leads the header of every app."
            value={draft.displayName}
            onChange={change("displayName")}
            error={problems.displayName}
            autoComplete="organization"
            maxLength={200}
          />
          <ColourField
            id={fieldId("primaryColour")}
            label={fieldLabels.primaryColour}
            hint="The header band. Links and buttons use it too, darkened where needed to stay readable."
            value={draft.primaryColour}
            onChange={change("primaryColour")}
            error={problems.primaryColour}
          />
          <ColourField
            id={fieldId("accentColour")}
            label={fieldLabels.accentColour}
            hint="The stripe under the header band."
            value={draft.accentColour}
            onChange={change("accentColour")}
            error={problems.accentColour}
          />
          <TextField
            id={fieldId("logoUrl")}
            label={fieldLabels.logoUrl}
            hint="An https:// address of a square image. Leave it empty to show your initials instead."
            value={draft.logoUrl}
            onChange={change("logoUrl")}
            error={problems.logoUrl}
            type="url"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
          />
          <div className="form-actions">
            <Button type="submit" variant="primary" isPending={update.isPending}>
              Save branding
            </Button>
            <Button
              isDisabled={unchanged || update.isPending}
              onPress={() => {
                setDraft(saved);
                setProblems({});
                setGeneral(null);
                setOutcome("");
              }}
            >
              Undo changes
            </Button>
          </div>
        </form>
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </Card>
      <Card title="Preview" description="How the header, links and buttons will look with these colours.">
        <BrandingPreview
          displayName={draft.displayName.trim() || saved.displayName}
          primaryColour={previewPrimary}
          accentColour={previewAccent}
        />
        <table className="contrast-table">
          <caption>Contrast of text on these colours (WCAG AA needs 4.5:1)</caption>
          <thead>
            <tr>
              <th scope="col">Text</th>
              <th scope="col">Colours</th>
              <th scope="col">Contrast</th>
            </tr>
          </thead>
          <tbody>
            {checks.map((check) => (
              <tr key={check.label}>
                <th scope="row">{check.label}</th>
                <td>{check.pair}</td>
                <td>
                  <span className="contrast-result">
                    {check.ratio.toFixed(1)}:1
                    <StatusBadge tone={check.ratio >= minimumContrast ? "positive" : "critical"}>
                      {check.ratio >= minimumContrast ? "Passes AA" : "Below AA"}
                    </StatusBadge>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {failing.length > 0 ? (
          <p className="contrast-warning" role="alert">
            Text on this primary colour would fall below WCAG AA contrast: it cannot be saved.
          </p>
        ) : null}
      </Card>
    </div>
  );
}

interface ColourFieldProps {
  id: string;
  label: string;
  hint: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}

/**
 * A colour as a hex code to type or paste, with the browser's colour picker beside it for choosing by eye;
 * both edit the same value.
 */
function ColourField({ id, label, hint, value, onChange, error }: ColourFieldProps) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className="field colour-field" data-invalid={error ? "" : undefined}>
      <label htmlFor={id}>{label}</label>
      <p id={hintId} className="field-hint">
        {hint}
      </p>
      {error ? (
        <p id={errorId} className="field-error">
          <span className="visually-hidden">Error: </span>
          {error}
        </p>
      ) : null}
      <div className="colour-inputs">
        <input
          type="color"
          className="colour-picker"
          aria-label={`${label} picker`}
          value={isColour(value) ? value.trim().toLowerCase() : "#000000"}
          onChange={(event) => onChange(event.target.value)}
        />
        <input
          id={id}
          className="input colour-hex"
          value={value}
          onChange={(event) => onChange(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={[hintId, error ? errorId : null].filter(Boolean).join(" ")}
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="none"
          maxLength={7}
          placeholder="#0b5cad"
        />
      </div>
    </div>
  );
}

/**
 * The header band, a link and the buttons in the chosen colours, from the same theme function the apps use
 * (so the preview cannot drift from what saving will show). Not interactive: it only shows.
 */
function BrandingPreview({
  displayName,
  primaryColour,
  accentColour,
}: {
  displayName: string;
  primaryColour: string;
  accentColour: string;
}) {
  const theme = brandTheme({ primaryColour, accentColour }) as CSSProperties;
  return (
    <div className="branding-preview" style={theme}>
      <div className="branding-preview-band">
        <span className="branding-preview-mark" aria-hidden="true">
          {initialsOf(displayName)}
        </span>
        <span className="branding-preview-identity">
          <span className="branding-preview-name">{displayName}</span>
          <span className="branding-preview-app">LearnOps Learner portal</span>
        </span>
      </div>
      <div className="branding-preview-body">
        <p>
          Your next step: <span className="branding-preview-link">Infection control refresher</span>
        </p>
        <div className="branding-preview-buttons">
          <span className="button button-primary">Continue course</span>
          <span className="button button-secondary">See all courses</span>
        </div>
      </div>
    </div>
  );
}
