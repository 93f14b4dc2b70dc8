// Access tokens verified once are remembered until they expire (server/auth/tokens.ts): the remembered answer must
// be the verified one, expiry must still refuse, and a token differing in any character is verified afresh.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessTokens } from '../../server/auth/tokens.js';
import type { Actor } from '../../server/http/context.js';

const actor: Actor & { sessionId: string } = {
  sessionId: '01900000-0000-7000-8000-0000000000aa',
  userId: '01900000-0000-7000-8000-000000000001',
  username: 'mgr.test',
  role: 'BRANCH_MANAGER',
  branchId: '01900000-0000-7000-8000-000000000002',
  partnerId: null,
  locale: 'en',
};

afterEach(() => {
  vi.useRealTimers();
});

describe('access token verification', () => {
  it('a token verified again gives the same caller, and a changed copy of it is refused', async () => {
    const tokens = new AccessTokens('a-secret-long-enough-for-hs256-signing-0123456789', 900);
    const token = await tokens.sign(actor);
    const first = await tokens.verify(token);
    const second = await tokens.verify(token);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ userId: actor.userId, role: 'BRANCH_MANAGER', branchId: actor.branchId });
    // the caller's copy is its own: changing it does not change what the next request gets
    second.role = 'HQ_ADMIN';
    expect((await tokens.verify(token)).role).toBe('BRANCH_MANAGER');
    // a forged payload with the original signature
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, role: 'HQ_ADMIN' })).toString('base64url')}.${s}`;
    await expect(tokens.verify(forged)).rejects.toMatchObject({ status: 401 });
    // and another process's secret does not know it
    const other = new AccessTokens('another-secret-long-enough-for-hs256-0123456789', 900);
    await expect(other.verify(token)).rejects.toMatchObject({ status: 401 });
  });

  it('a remembered token is refused once it has expired', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-07T00:00:00Z'), toFake: ['Date'] });
    const tokens = new AccessTokens('a-secret-long-enough-for-hs256-signing-0123456789', 60);
    const token = await tokens.sign(actor);
    await tokens.verify(token);
    vi.setSystemTime(new Date('2026-12-07T00:00:59Z'));
    await expect(tokens.verify(token)).resolves.toMatchObject({ userId: actor.userId });
    vi.setSystemTime(new Date('2026-12-07T00:01:00Z'));
    await expect(tokens.verify(token)).rejects.toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
  });
});
