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

const PHC_PREFIX = /^\$argon2(id|i|d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$(\d+)$/;
const ALGORITHMS: Record<string, Algorithm> = { d: 0 as Algorithm, i: 1 as Algorithm, id: 2 as Algorithm };

/**
 * The stored hash recomputed from a typed password, given the stored salt and parameters (auth_password_salt,
 * migration 0073): the database compares it with the stored hash, which the server never reads. Undefined for a
 * salt string that is not one of ours (the login then fails as for a wrong password).
 */
export async function passwordProof(saltAndParams: string, password: string): Promise<string | undefined> {
  const m = PHC_PREFIX.exec(saltAndParams);
  if (!m) return undefined;
  const [, variant, v, mem, time, par, salt, hashChars] = m;
  try {
    return await hash(password, {
      algorithm: ALGORITHMS[variant!],
      version: Number(v) === 16 ? 0 : 1,
      memoryCost: Number(mem),
      timeCost: Number(time),
      parallelism: Number(par),
      salt: Buffer.from(salt!, 'base64'),
      // unpadded base64: 4 characters per 3 bytes
      outputLen: Math.floor((Number(hashChars) * 3) / 4),
    });
  } catch {
    return undefined;
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
