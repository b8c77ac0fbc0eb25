import { hash, parseOptions, verify } from "@node-rs/argon2";

/**
 * Argon2id with OWASP's first recommended configuration (m = 19 MiB, t = 2, p = 1). Measured on our
 * development machine: about 70 ms per hash or verification, each holding 19 MiB while it runs, so one
 * API process serves about 14 password checks a second per libuv thread-pool thread (4 by default).
 * Raise `timeCost` before `memoryCost` if hardware allows; `needsRehash` then upgrades stored hashes at
 * each person's next sign-in.
 */
export const passwordMemoryCostKib = 19_456;
export const passwordTimeCost = 2;
export const passwordParallelism = 1;
export const passwordHashLength = 32;

/** `algorithm` and `version` in @node-rs/argon2's terms: its `Algorithm.Argon2id` and `Version.V0x13`. */
const argon2id = 2;
const argon2Version13 = 1;

/**
 * NIST SP 800-63B asks verifiers to normalise Unicode, so an `é` typed as one code point on a phone and
 * as `e` + combining accent on a laptop is the same password.
 */
function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) to store for a new password. */
export async function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), {
    algorithm: argon2id,
    version: argon2Version13,
    memoryCost: passwordMemoryCostKib,
    timeCost: passwordTimeCost,
    parallelism: passwordParallelism,
    outputLen: passwordHashLength,
  });
}

/**
 * Whether `password` matches the stored hash. A malformed or foreign stored value (a corrupted row, an
 * imported bcrypt hash) answers false instead of throwing, so sign-in fails closed with the usual message.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, normalizePassword(password));
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of a real verification and answers false. Call it when no account has the email
 * offered at sign-in, so "unknown email" and "wrong password" take as long as each other and the response
 * time does not reveal who has an account. The dummy hash is made once, on first use, with the current
 * parameters, so its cost follows any change to them.
 */
export async function verifyAgainstDummyHash(password: string): Promise<false> {
  if (!dummyHash) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    dummyHash = hashPassword(Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(""));
    // A failed hash must not be cached: the next caller tries again.
    dummyHash.catch(() => {
      dummyHash = undefined;
    });
  }
  await verifyPassword(await dummyHash, password);
  return false;
}

/**
 * Whether a stored hash was made with other parameters than today's (or is not ours at all), so the
 * caller should replace it with `hashPassword(password)` right after a successful sign-in.
 */
export function needsRehash(storedHash: string): boolean {
  try {
    const stored = parseOptions(storedHash);
    return (
      stored.algorithm !== argon2id ||
      stored.version !== argon2Version13 ||
      stored.memoryCost !== passwordMemoryCostKib ||
      stored.timeCost !== passwordTimeCost ||
      stored.parallelism !== passwordParallelism ||
      stored.outputLen !== passwordHashLength
    );
  } catch {
    return true;
  }
}
