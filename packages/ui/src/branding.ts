import type { CSSProperties } from "react";

/** Inline style carrying a partner's colours as the custom properties theme.css reads. */
export type BrandStyle = CSSProperties & { "--brand": string; "--on-brand": string };

const white = "#ffffff";
const black = "#000000";

function channel(value: number): number {
  const srgb = value / 255;
  return srgb <= 0.04045 ? srgb / 12.92 : ((srgb + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of a #rrggbb colour. */
export function relativeLuminance(hex: string): number {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`Expected a colour in #rrggbb form, got "${hex}"`);
  const [red, green, blue] = [match[1], match[2], match[3]].map((part) => channel(Number.parseInt(part ?? "0", 16)));
  return 0.2126 * (red ?? 0) + 0.7152 * (green ?? 0) + 0.0722 * (blue ?? 0);
}

/** WCAG contrast ratio between two #rrggbb colours, from 1 to 21. */
export function contrastRatio(first: string, second: string): number {
  const [lighter, darker] = [relativeLuminance(first), relativeLuminance(second)].sort((a, b) => b - a);
  return ((lighter ?? 0) + 0.05) / ((darker ?? 0) + 0.05);
}

/**
 * White or black, whichever reads better on the brand colour. One of the two always reaches at least 4.58:1,
 * so text on any partner colour keeps AA contrast without anyone checking each theme by hand.
 */
export function textColourOn(background: string): string {
  return contrastRatio(background, white) >= contrastRatio(background, black) ? white : black;
}

/** The custom properties for a partner's colour; set on the element whose subtree carries the brand. */
export function brandStyle(primaryColour: string): BrandStyle {
  return { "--brand": primaryColour, "--on-brand": textColourOn(primaryColour) };
}

/** What the apps show of an institution: its name, colours and (when it has one) its logo. */
export interface InstitutionBranding {
  displayName: string;
  primaryColour: string;
  accentColour?: string | null;
  logoUrl?: string | null;
}

/** The page background in theme.css (`--colour-page`): the lightest colour brand-coloured text sits on. */
const pageColour = "#f4f5f7";

function toHex(channels: readonly number[]): string {
  return `#${channels.map((value) => Math.round(value).toString(16).padStart(2, "0")).join("")}`;
}

/** The colour `share` (0 to 1) of the way from `colour` to black. */
export function darken(colour: string, share: number): string {
  relativeLuminance(colour); // validates the form
  const channels = [1, 3, 5].map((start) => Number.parseInt(colour.slice(start, start + 2), 16) * (1 - share));
  return toHex(channels);
}

/**
 * The brand colour as it can be used for text, links, buttons and focus rings on the page and on white: the
 * colour itself when it already reaches 4.5:1 on the page background, otherwise darkened just enough. White
 * text on the result always reaches AA too, so primary buttons in it stay readable.
 */
export function brandInk(primaryColour: string): string {
  for (let share = 0; share < 1; share += 0.05) {
    const candidate = darken(primaryColour, share);
    if (contrastRatio(candidate, pageColour) >= 4.5) return candidate;
  }
  return black;
}

/** The custom properties an institution's theme sets on the document: theme.css reads every one of them. */
export type BrandTheme = Record<`--${string}`, string>;

/**
 * An institution's whole theme: its colour and the text colour on it (header band), its accent (a stripe
 * under the band), and the interactive accent (links, primary buttons, focus rings) derived from its colour so
 * contrast holds in every partner theme without anyone checking each one by hand.
 */
export function brandTheme(institution: Pick<InstitutionBranding, "primaryColour" | "accentColour">): BrandTheme {
  const ink = brandInk(institution.primaryColour);
  return {
    ...brandStyle(institution.primaryColour),
    "--brand-accent": institution.accentColour ?? institution.primaryColour,
    "--colour-accent": ink,
    "--colour-accent-hover": darken(ink, 0.3),
    "--colour-focus": ink,
  };
}
