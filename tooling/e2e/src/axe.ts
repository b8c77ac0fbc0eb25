import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** WCAG 2.0, 2.1 and 2.2 at levels A and AA: what LearnOps promises its partners. */
export const wcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** Scans the page as it is now and fails with every violation's rule, help text and elements. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(wcagTags).analyze();
  const report = violations
    .map((violation) => {
      const targets = violation.nodes.map((node) => `    - ${node.target.join(" ")}`).join("\n");
      return `  ${violation.id} (${violation.impact ?? "unknown impact"}): ${violation.help}\n    ${violation.helpUrl}\n${targets}`;
    })
    .join("\n");
  expect(violations, `axe found ${violations.length} violation(s) on ${page.url()}:\n${report}`).toEqual([]);
}
