import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { argon2Cost } from '../../domain/argon2-cost.js';

// Argon2id at the OWASP minimum (domain/argon2-cost.ts). The enum is const (inlined by tsc, not by tsx).
const ARGON2ID = 2 as Algorithm;
export const ARGON2_OPTIONS = { algorithm: ARGON2ID, ...argon2Cost(process.env.ARGON2_TEST_PROFILE) } as const;

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
