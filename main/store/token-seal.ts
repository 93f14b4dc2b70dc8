// The refresh token kept on the PC is sealed with a key derived from the user's password (Argon2id, its own
// salt) under AES-256-GCM. Someone who copies the local database gets a token they cannot use without the
// password, and with the password they could log in anyway. It fits how the token is used: it is read back only
// by an offline login, which has just been given the password; the session keeps the key (not the password) to
// seal the tokens that later refreshes bring.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type Algorithm, hashRaw } from '@node-rs/argon2';
import { argon2Cost } from '../../domain/argon2-cost.js';

const PREFIX = 'v1';
// Argon2id at OWASP's minimum, as the offline-login verifier (2 = Argon2id: the enum is const, see session.ts)
const KDF = {
  algorithm: 2 as Algorithm,
  ...argon2Cost(process.env.ARGON2_TEST_PROFILE),
  outputLen: 32,
} as const;

/** A sealing key and the salt it was derived with (stored with every token it seals). */
export interface TokenKey {
  key: Buffer;
  salt: Buffer;
}

/** A key from the password: a new salt unless `salt` is given (to open what was sealed with it). */
export async function deriveTokenKey(password: string, salt: Buffer = randomBytes(16)): Promise<TokenKey> {
  return { key: await hashRaw(password, { ...KDF, salt }), salt };
}

const b64 = (b: Buffer) => b.toString('base64url');

/** `v1.salt.iv.tag.ciphertext`, each part base64url. */
export function sealToken(k: TokenKey, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  const ct = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [PREFIX, b64(k.salt), b64(iv), b64(cipher.getAuthTag()), b64(ct)].join('.');
}

/**
 * The token and the key that opened it, or null when the password does not open it or the text was altered.
 * A token stored before sealing existed (plain text) is returned as it is, with a new key to seal it from now on.
 */
export async function openToken(password: string, stored: string): Promise<{ token: string; key: TokenKey } | null> {
  const parts = stored.split('.');
  if (parts[0] !== PREFIX || parts.length !== 5) return { token: stored, key: await deriveTokenKey(password) };
  const [salt, iv, tag, ct] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  const key = await deriveTokenKey(password, salt);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
    decipher.setAuthTag(tag);
    return { token: Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8'), key };
  } catch {
    return null;
  }
}
