import { type Algorithm, hash } from '@node-rs/argon2';

/** The password of every generated login (README lists the demo logins). */
export const DEMO_PASSWORD = 'demo1234';

/** Argon2id with OWASP's minimum: 19 MiB, 2 passes, 1 lane (≈17 ms per hash on this machine). */
export const ARGON2_OPTIONS = {
  algorithm: 2 as Algorithm, // Argon2id (a const enum, which isolatedModules cannot import)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}
