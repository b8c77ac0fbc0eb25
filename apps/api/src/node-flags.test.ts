import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { apiNodeFlags } from "./node-flags.ts";

it("starts the API with the same Node.js flags from its own package script as from npm start and the bench", async () => {
  const { scripts } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
    scripts: Record<string, string>;
  };
  expect(scripts.start).toBe(`node ${apiNodeFlags.join(" ")} src/main.ts`);
});
