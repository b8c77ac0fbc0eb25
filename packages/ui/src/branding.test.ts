import { describe, expect, it } from "vitest";
import { brandStyle, contrastRatio, textColourOn } from "./branding.ts";

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
    // Every grey level plus a spread of hues: the worst case for white-or-black sits near mid grey.
    const samples: string[] = [];
    for (let level = 0; level < 256; level += 1) {
      const hex = level.toString(16).padStart(2, "0");
      samples.push(`#${hex}${hex}${hex}`);
    }
    for (let red = 0; red < 256; red += 51) {
      for (let green = 0; green < 256; green += 51) {
        for (let blue = 0; blue < 256; blue += 51) {
          samples.push(`#${[red, green, blue].map((value) => value.toString(16).padStart(2, "0")).join("")}`);
        }
      }
    }
    for (const colour of samples) {
      const { "--on-brand": text } = brandStyle(colour);
      expect(contrastRatio(colour, text), colour).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("rejects colours that are not #rrggbb", () => {
    expect(() => brandStyle("blue")).toThrow(/#rrggbb/);
  });
});
