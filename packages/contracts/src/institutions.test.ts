import { describe, expect, it } from "vitest";
import { brandColour, institutionSlug } from "./institutions.ts";

describe("institutionSlug", () => {
  it.each(["ab", "northwind-health", "college-2027", "a1"])("accepts %s", (slug) => {
    expect(institutionSlug.parse(slug)).toBe(slug);
  });

  it.each([
    ["a", "at least 2 characters"],
    ["x".repeat(64), "at most 63 characters"],
    ["Northwind", "lowercase letters"],
    ["north--wind", "single hyphens"],
    ["-north", "single hyphens"],
    ["north wind", "lowercase letters"],
    ["courses", "names pages of LearnOps itself"],
    ["account", "names pages of LearnOps itself"],
    ["sign-in", "names pages of LearnOps itself"],
  ])("refuses %s, saying why", (slug, reason) => {
    const result = institutionSlug.safeParse(slug);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message).join(" ")).toContain(reason);
  });
});

describe("brandColour", () => {
  it("accepts #rrggbb in either case and refuses anything else", () => {
    expect(brandColour.safeParse("#0b5cad").success).toBe(true);
    expect(brandColour.safeParse("#0B5CAD").success).toBe(true);
    for (const bad of ["0b5cad", "#0b5", "#0b5cadff", "blue", "#gggggg"])
      expect(brandColour.safeParse(bad).success).toBe(false);
  });
});
