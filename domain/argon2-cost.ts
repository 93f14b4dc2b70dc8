// The cost of Argon2id for passwords (head office) and for the client's offline verifier and token key: OWASP's
// minimum (19 MiB, 2 passes, 1 lane). `ARGON2_TEST_PROFILE=fast` (set by vitest.config.ts, never in production)
// makes hashing cheap for the test suite, which creates and signs in hundreds of users; a hash records its own
// parameters, so a verify follows whatever made the hash.
export interface Argon2Cost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_ARGON2: Argon2Cost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const TEST_ARGON2: Argon2Cost = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

/** The cost for this process: `profile` is the ARGON2_TEST_PROFILE environment variable. */
export function argon2Cost(profile: string | undefined): Argon2Cost {
  return profile === 'fast' ? TEST_ARGON2 : OWASP_ARGON2;
}
