import type { AppRouter } from "@learnops/api/root";
import { apiFieldIssues, describeApiError } from "@learnops/ui/api-errors";
import { useTRPC } from "@learnops/ui/api-provider";
import { Button } from "@learnops/ui/components";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useId, useState } from "react";
import { CheckboxField, TextAreaField } from "./catalogue-fields.tsx";
import { DateText, ErrorSummary, type FormProblem, ModalDialog, TextField } from "./settings-controls.tsx";

type Overview = inferOutput<TRPCOptionsProxy<AppRouter>["identityProviders"]["list"]>;
export type IdentityProvider = Overview["identityProviders"][number];

type Field = "name" | "entityId" | "ssoUrl" | "sloUrl" | "newCertificate" | "certificates";
type Mapped = "email" | "givenName" | "familyName" | "displayName" | "role" | "clientGroup";

/** The assertion attributes an institution may name, with what is tried when it names none. */
const mappedAttributes: { key: Mapped; label: string; defaults: string }[] = [
  { key: "email", label: "Email address", defaults: "email, mail or the standard OID and claim" },
  { key: "givenName", label: "Given name", defaults: "givenName, firstName or the standard OID and claim" },
  { key: "familyName", label: "Family name", defaults: "sn, surname, lastName or the standard OID and claim" },
  { key: "displayName", label: "Display name", defaults: "displayName or the standard OID and claim" },
  { key: "role", label: "Role", defaults: "role or learnopsRole" },
  { key: "clientGroup", label: "Client group", defaults: "clientGroup or learnopsClientGroup" },
];

/**
 * Edits an identity provider: its name, entity id, addresses, attribute names, whether it verifies
 * addresses, and its certificates. A certificate rollover is two saves: add the next certificate (both are
 * then accepted), and once the identity provider signs with it, remove the old one.
 */
export function EditIdentityProviderDialog({
  identityProvider,
  onClose,
  onSaved,
}: {
  identityProvider: IdentityProvider;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const fieldId = (field: Field | Mapped) => `${id}-${field}`;
  const [name, setName] = useState(identityProvider.name);
  const [entityId, setEntityId] = useState(identityProvider.entityId);
  const [ssoUrl, setSsoUrl] = useState(identityProvider.ssoUrl);
  const [sloUrl, setSloUrl] = useState(identityProvider.sloUrl ?? "");
  const [trustsEmail, setTrustsEmail] = useState(identityProvider.trustsEmail);
  const [attributeMap, setAttributeMap] = useState<Record<Mapped, string>>({
    email: identityProvider.attributeMap.email ?? "",
    givenName: identityProvider.attributeMap.givenName ?? "",
    familyName: identityProvider.attributeMap.familyName ?? "",
    displayName: identityProvider.attributeMap.displayName ?? "",
    role: identityProvider.attributeMap.role ?? "",
    clientGroup: identityProvider.attributeMap.clientGroup ?? "",
  });
  const [kept, setKept] = useState(identityProvider.certificates);
  const [newCertificate, setNewCertificate] = useState("");
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  const update = useMutation(
    trpc.identityProviders.update.mutationOptions({
      onSuccess: async (saved) => {
        await queryClient.invalidateQueries({ queryKey: trpc.identityProviders.list.queryKey() });
        onSaved(`Saved the identity provider “${saved.name}”.`);
      },
      onError: (error) => {
        const next: Partial<Record<Field, string>> = {};
        for (const issue of apiFieldIssues(error)) {
          const [head, index] = issue.path.split(".");
          if (head === "certificates" && index !== undefined)
            next[Number(index) >= kept.length ? "newCertificate" : "certificates"] ??= issue.message;
          else if (head === "name" || head === "entityId" || head === "ssoUrl" || head === "sloUrl")
            next[head] ??= issue.message;
          else if (head === "certificates") next.certificates ??= issue.message;
        }
        setProblems(next);
        setGeneral(Object.keys(next).length ? null : describeApiError(error).message);
        setAttempt((count) => count + 1);
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (update.isPending) return;
    const next: Partial<Record<Field, string>> = {};
    if (!name.trim()) next.name = "Enter a name";
    if (!entityId.trim()) next.entityId = "Enter the entity id";
    if (!ssoUrl.trim()) next.ssoUrl = "Enter the sign-in address";
    if (kept.length === 0 && !newCertificate.trim())
      next.newCertificate = "Keep a certificate or paste a new one: sign-ins cannot be checked without one";
    setProblems(next);
    setGeneral(null);
    setAttempt((count) => count + 1);
    if (Object.keys(next).length) return;
    update.mutate({
      identityProviderId: identityProvider.id,
      name,
      entityId,
      ssoUrl,
      sloUrl: sloUrl.trim() ? sloUrl : null,
      trustsEmail,
      attributeMap: Object.fromEntries(
        Object.entries(attributeMap)
          .map(([key, value]) => [key, value.trim()] as const)
          .filter(([, value]) => value !== ""),
      ),
      certificates: [...kept.map((certificate) => certificate.pem), ...(newCertificate.trim() ? [newCertificate] : [])],
    });
  }

  const summary: FormProblem[] = (Object.entries(problems) as [Field, string][]).map(([field, message]) => ({
    fieldId: field === "certificates" ? fieldId("newCertificate") : fieldId(field),
    message,
  }));

  return (
    <ModalDialog title={`Edit “${identityProvider.name}”`} onClose={onClose} busy={update.isPending}>
      <form className="form" noValidate onSubmit={submit}>
        <ErrorSummary problems={summary} general={general} attempt={attempt} />
        <TextField
          id={fieldId("name")}
          label="Name on the sign-in button"
          value={name}
          onChange={setName}
          error={problems.name}
          autoComplete="off"
          maxLength={200}
        />
        <TextField
          id={fieldId("entityId")}
          label="Entity id"
          hint="The Issuer its responses name."
          value={entityId}
          onChange={setEntityId}
          error={problems.entityId}
          autoComplete="off"
          spellCheck={false}
          maxLength={1000}
        />
        <TextField
          id={fieldId("ssoUrl")}
          label="Sign-in address (SSO, HTTP-Redirect)"
          type="url"
          value={ssoUrl}
          onChange={setSsoUrl}
          error={problems.ssoUrl}
          autoComplete="off"
          spellCheck={false}
        />
        <TextField
          id={fieldId("sloUrl")}
          label="Sign-out address (SLO, HTTP-Redirect)"
          hint="Optional. Without it, signing out ends the LearnOps session only."
          type="url"
          value={sloUrl}
          onChange={setSloUrl}
          error={problems.sloUrl}
          autoComplete="off"
          spellCheck={false}
        />
        <CheckboxField
          label="This identity provider verifies email addresses"
          hint="Only then may a sign-in link to an existing account whose own address is verified; otherwise it waits for you below."
          checked={trustsEmail}
          onChange={setTrustsEmail}
        />
        <fieldset className="fieldset">
          <legend>Attribute names</legend>
          <p className="field-hint">Leave a name empty to use the common ones.</p>
          {mappedAttributes.map((attribute) => (
            <TextField
              key={attribute.key}
              id={fieldId(attribute.key)}
              label={attribute.label}
              hint={`Default: ${attribute.defaults}.`}
              value={attributeMap[attribute.key]}
              onChange={(value) => setAttributeMap((current) => ({ ...current, [attribute.key]: value }))}
              autoComplete="off"
              spellCheck={false}
              maxLength={300}
            />
          ))}
        </fieldset>
        <fieldset className="fieldset">
          <legend>Signing certificates</legend>
          <p className="field-hint">
            Either verifies its responses. To roll over: add the next certificate and save, then remove the old one once
            the identity provider signs with the new one.
          </p>
          {problems.certificates ? (
            <p className="field-error">
              <span className="visually-hidden">Error: </span>
              {problems.certificates}
            </p>
          ) : null}
          <ul className="certificate-list">
            {kept.map((certificate) => (
              <li key={certificate.pem}>
                <span>
                  {certificate.subject}, until <DateText value={certificate.notAfter} />
                </span>
                <Button onPress={() => setKept((current) => current.filter((other) => other !== certificate))}>
                  Remove<span className="visually-hidden"> the certificate {certificate.subject}</span>
                </Button>
              </li>
            ))}
          </ul>
          {kept.length < 2 ? (
            <TextAreaField
              id={fieldId("newCertificate")}
              label={kept.length ? "Add the next certificate (PEM)" : "Certificate (PEM)"}
              hint="-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----, from the identity provider's metadata or its administrators."
              value={newCertificate}
              onChange={setNewCertificate}
              error={problems.newCertificate}
              rows={5}
              spellCheck={false}
            />
          ) : (
            <p>Two certificates are the most an identity provider can have: remove one to add another.</p>
          )}
        </fieldset>
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={update.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={update.isPending}>
            Save changes
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}
