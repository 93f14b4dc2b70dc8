// The refresh token at rest: sealed with the password, opened only with it.
import { describe, expect, it } from 'vitest';
import { deriveTokenKey, openToken, sealToken } from '../../main/store/token-seal.js';

const TOKEN = 'k2Vr3sX9Qw-refresh-token-as-issued';

describe('token seal', () => {
  it('opens with the password it was sealed with, and with no other', async () => {
    const key = await deriveTokenKey('비밀번호123');
    const sealed = sealToken(key, TOKEN);
    expect(sealed).not.toContain(TOKEN);
    expect((await openToken('비밀번호123', sealed))?.token).toBe(TOKEN);
    expect(await openToken('비밀번호124', sealed)).toBeNull();
  });

  it('seals the same token differently each time, and a key opened from one seals tokens the password opens', async () => {
    const key = await deriveTokenKey('pw-1');
    const a = sealToken(key, TOKEN);
    expect(sealToken(key, TOKEN)).not.toBe(a);
    const opened = await openToken('pw-1', a);
    expect((await openToken('pw-1', sealToken(opened!.key, 'next-token')))?.token).toBe('next-token');
  });

  it('refuses a sealed token whose text was altered', async () => {
    const sealed = sealToken(await deriveTokenKey('pw-2'), TOKEN);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[4] = ct.toString('base64url');
    expect(await openToken('pw-2', parts.join('.'))).toBeNull();
  });

  it('takes a token stored in plain text by an earlier version as it is, with a key to seal it from now on', async () => {
    const opened = await openToken('pw-3', TOKEN);
    expect(opened?.token).toBe(TOKEN);
    expect((await openToken('pw-3', sealToken(opened!.key, TOKEN)))?.token).toBe(TOKEN);
  });
});
