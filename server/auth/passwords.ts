import { type Algorithm, hash, verify } from '@node-rs/argon2';

// Argon2id at the OWASP minimum (m=19 MiB, t=2, p=1). The enum is const (inlined by tsc, not by tsx).
const ARGON2ID = 2 as Algorithm;
export const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** false for a wrong password and for a stored hash that is not a valid PHC string. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * Verifies against a throwaway hash so that an unknown username costs the same time as a wrong password:
 * response timing must not tell which usernames exist.
 */
export async function burnVerification(password: string): Promise<void> {
  dummy ??= hashPassword('not a real password, only for timing');
  await verifyPassword(await dummy, password);
}
