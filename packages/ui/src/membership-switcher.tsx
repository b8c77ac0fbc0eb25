import type { MembershipView, SessionView } from "@learnops/contracts/me";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ListBox, ListBoxItem } from "react-aria-components/ListBox";
import { Popover } from "react-aria-components/Popover";
import { Button as AriaButton, Label, Select, SelectValue } from "react-aria-components/Select";
import { describeApiError } from "./api-errors.ts";
import { useTRPC } from "./api-provider.tsx";
import { BrandSwatch } from "./components.tsx";
import { membershipLabel, roleLabel } from "./session.tsx";

/**
 * Which membership the person acts in, and the way to act in another: a react-aria Select (a button opening a
 * list box; arrows, type-ahead, Enter and Escape work as in any native select). Choosing one switches the
 * session on the server, then every query is invalidated so the whole app reloads its data for, and re-themes
 * to, the institution switched to. With one membership there is nothing to choose, so it is plain text.
 */
export default function MembershipSwitcher({ session }: { session: SessionView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const memberships = useQuery(trpc.me.memberships.queryOptions());
  const [announcement, setAnnouncement] = useState("");
  const switching = useMutation(
    trpc.me.switchMembership.mutationOptions({
      onSuccess: async (next) => {
        queryClient.setQueryData(trpc.me.session.queryKey(), next);
        setAnnouncement(`Now acting as ${membershipLabel(next.activeMembership)}.`);
        await queryClient.invalidateQueries();
      },
    }),
  );

  const active = session.activeMembership;
  const options = memberships.data ?? [];
  if (options.length < 2) return <p className="account-membership-text">{membershipLabel(active)}</p>;

  const selected = switching.isPending ? switching.variables.membershipId : (active?.id ?? null);
  return (
    <>
      <Select
        className="membership-switcher"
        value={selected}
        placeholder="Choose an institution"
        onChange={(key) => {
          if (typeof key !== "string" || key === active?.id || switching.isPending) return;
          setAnnouncement("");
          switching.mutate({ membershipId: key });
        }}
      >
        <Label className="membership-switcher-label">Acting as</Label>
        <AriaButton className="membership-switcher-button">
          <SelectValue<MembershipView> className="membership-switcher-value">
            {({ selectedItem }) => (selectedItem ? membershipLabel(selectedItem) : "Choose an institution")}
          </SelectValue>
          <span className="membership-switcher-chevron" aria-hidden="true" />
        </AriaButton>
        <Popover className="membership-popover" placement="bottom start">
          <ListBox className="membership-list" items={options}>
            {(membership) => (
              <ListBoxItem
                id={membership.id}
                className="membership-option"
                textValue={`${membership.institution.displayName}, ${roleLabel(membership.role)}`}
              >
                <BrandSwatch colour={membership.institution.primaryColour} />
                <span className="membership-option-text">
                  <span className="membership-option-name">{membership.institution.displayName}</span>
                  <span className="membership-option-role">{roleLabel(membership.role)}</span>
                </span>
              </ListBoxItem>
            )}
          </ListBox>
        </Popover>
      </Select>
      <span className="visually-hidden" role="status">
        {announcement}
      </span>
      {switching.isError ? (
        <p role="alert" className="account-error">
          Could not switch: {describeApiError(switching.error).message}
        </p>
      ) : null}
    </>
  );
}
