import { hash, parseOptions } from "@node-rs/argon2";
import { describe, expect, it } from "vitest";
import {
  hashPassword,
  needsRehash,
  passwordMemoryCostKib,
  passwordParallelism,
  passwordTimeCost,
  verifyAgainstDummyHash,
  verifyPassword,
} from "./passwords.ts";

const password = "correct horse battery staple";

describe("hashPassword / verifyPassword", () => {
  it("stores an argon2id PHC string with OWASP's parameters and a fresh salt", async () => {
    const first = await hashPassword(password);
    const second = await hashPassword(password);
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain(password);
    expect(parseOptions(first)).toMatchObject({
      memoryCost: passwordMemoryCostKib,
      timeCost: passwordTimeCost,
      parallelism: passwordParallelism,
      outputLen: 32,
      saltLen: 16,
    });
    expect({ memoryCost: passwordMemoryCostKib, timeCost: passwordTimeCost, parallelism: passwordParallelism }).toEqual(
      { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
    );
  });

  it("verifies the right password and only that one", async () => {
    const stored = await hashPassword(password);
    expect(await verifyPassword(stored, password)).toBe(true);
    expect(await verifyPassword(stored, "correct horse battery stapl")).toBe(false);
    expect(await verifyPassword(stored, "Correct horse battery staple")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
  });

  it("treats the composed and decomposed spellings of an accent as the same password", async () => {
    const composed = "caf\u00e9 au lait, s'il vous pla\u00eet";
    const decomposed = composed.normalize("NFD");
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toBe(true);
  });

  it.each([
    ["an empty value", ""],
    ["garbage", "not a hash"],
    ["a truncated hash", "$argon2id$v=19$m=19456,t=2,p=1$abc"],
    ["a bcrypt hash", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"],
  ])("answers false, without throwing, for %s as the stored hash", async (_label, stored) => {
    await expect(verifyPassword(stored, password)).resolves.toBe(false);
  });
});

describe("verifyAgainstDummyHash", () => {
  /** Median wall time of `runs` sequential calls, in milliseconds. */
  /**
   * The median time of each call, the calls taken in turn (a, b, a, b…), so a machine that slows down for a
   * while slows both alike instead of whichever ran then.
   */
  async function medianMsInTurn(runs: number, calls: readonly (() => Promise<unknown>)[]): Promise<number[]> {
    const times = calls.map(() => [] as number[]);
    for (let run = 0; run < runs; run += 1) {
      for (const [index, call] of calls.entries()) {
        const started = performance.now();
        await call();
        times[index]?.push(performance.now() - started);
      }
    }
    return times.map((list) => list.toSorted((a, b) => a - b)[Math.floor(runs / 2)] ?? Number.NaN);
  }

  it("always answers false", async () => {
    await expect(verifyAgainstDummyHash(password)).resolves.toBe(false);
    await expect(verifyAgainstDummyHash("")).resolves.toBe(false);
  });

  it("takes about as long as verifying a real account's password", async () => {
    const stored = await hashPassword(password);
    await verifyAgainstDummyHash("warm up: the dummy hash is made on first use");
    const [real = Number.NaN, dummy = Number.NaN] = await medianMsInTurn(7, [
      () => verifyPassword(stored, "a wrong guess"),
      () => verifyAgainstDummyHash("a wrong guess"),
    ]);
    // Loose bounds keep this stable on a busy machine; a shortcut (no verification) is far below them.
    expect(dummy).toBeGreaterThan(real * 0.5);
    expect(dummy).toBeLessThan(real * 2);
  });
});

describe("needsRehash", () => {
  it("is false for a hash made with today's parameters", async () => {
    expect(needsRehash(await hashPassword(password))).toBe(false);
  });

  it.each([
    ["less memory", { memoryCost: 8192, timeCost: 2, parallelism: 1 }],
    ["fewer passes", { memoryCost: 19_456, timeCost: 1, parallelism: 1 }],
    ["more lanes", { memoryCost: 19_456, timeCost: 2, parallelism: 2 }],
    ["a longer output", { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 64 }],
    ["argon2i", { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 1 }],
  ] as const)("is true for a hash made with %s", async (_label, options) => {
    const stored = await hash(password, options);
    expect(needsRehash(stored)).toBe(true);
    // Still verifiable, so the sign-in that notices can rehash it.
    expect(await verifyPassword(stored, password)).toBe(true);
  });

  it("is true for anything that is not an argon2 hash", () => {
    expect(needsRehash("")).toBe(true);
    expect(needsRehash("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW")).toBe(true);
  });
});
