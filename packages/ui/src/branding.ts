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
