import { describe, expect, it } from "vitest";
import { brandInk, brandStyle, brandTheme, contrastRatio, textColourOn } from "./branding.ts";

/** Every grey level plus a spread of hues: the worst case for white-or-black sits near mid grey. */
function samples(): string[] {
  const colours: string[] = [];
  for (let level = 0; level < 256; level += 1) {
    const hex = level.toString(16).padStart(2, "0");
    colours.push(`#${hex}${hex}${hex}`);
  }
  for (let red = 0; red < 256; red += 51) {
    for (let green = 0; green < 256; green += 51) {
      for (let blue = 0; blue < 256; blue += 51) {
        colours.push(`#${[red, green, blue].map((value) => value.toString(16).padStart(2, "0")).join("")}`);
      }
    }
  }
  return colours;
}

describe("partner branding", () => {
  it("measures contrast as WCAG defines it", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#ffffff")).toBeCloseTo(1, 5);
    expect(contrastRatio("#0b5cad", "#ffffff")).toBeCloseTo(6.67, 2);
  });

  it("puts white text on dark partner colours and black text on light ones", () => {
    expect(textColourOn("#0b5cad")).toBe("#ffffff");
    expect(textColourOn("#7a2e8c")).toBe("#ffffff");
    expect(textColourOn("#ffd400")).toBe("#000000");
    expect(textColourOn("#f4f5f7")).toBe("#000000");
  });

  it("keeps text on every partner colour at AA contrast", () => {
    for (const colour of samples()) {
      const { "--on-brand": text } = brandStyle(colour);
      expect(contrastRatio(colour, text), colour).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("derives link and button colours that keep AA on the page, on white and under white text", () => {
    for (const colour of samples()) {
      const ink = brandInk(colour);
      expect(contrastRatio(ink, "#f4f5f7"), colour).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(ink, "#ffffff"), colour).toBeGreaterThanOrEqual(4.5);
    }
    // A colour dark enough already is used as it is.
    expect(brandInk("#0b5cad")).toBe("#0b5cad");
    expect(brandInk("#f2a900")).not.toBe("#f2a900");
  });

  it("themes an institution from its colours, its accent falling back to its colour", () => {
    expect(brandTheme({ primaryColour: "#1f6f43", accentColour: "#b3261e" })).toMatchObject({
      "--brand": "#1f6f43",
      "--on-brand": "#ffffff",
      "--brand-accent": "#b3261e",
      "--colour-accent": "#1f6f43",
    });
    expect(brandTheme({ primaryColour: "#7a2e8c" })["--brand-accent"]).toBe("#7a2e8c");
  });

  it("rejects colours that are not #rrggbb", () => {
    expect(() => brandStyle("blue")).toThrow(/#rrggbb/);
  });
});
