import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import { auditRows, createUser, uniq, type World } from '../support/fixtures.js';
import type { TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let a: World;
let b: World;
const t = {} as Tokens;

beforeAll(async () => {
  ({ db, api, a, b } = await startApiSuite(t));
});
afterAll(() => stopApiSuite({ api, db }));

const PASSWORD = 'a long enough password';

describe('admin: users', () => {
  it('creates a user (Argon2id hash) who can sign in with the role, branch and locale given', async () => {
    const username = uniq('clerk_', 4);
    const res = await api.request('POST', '/api/admin/users', {
      token: t.hq,
      body: {
        username,
        password: PASSWORD,
        fullName: '김관리',
        role: 'BRANCH_MANAGER',
        branchId: a.branch.id,
        locale: 'en',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      username,
      role: 'BRANCH_MANAGER',
      branchId: a.branch.id,
      locale: 'en',
      isActive: true,
    });
    expect(res.body).not.toHaveProperty('passwordHash');
    const stored = await db.owner.query('SELECT password_hash FROM users WHERE id = $1', [res.body.id]);
    expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    const session = await api.login(username, PASSWORD);
    expect(session.user).toMatchObject({ role: 'BRANCH_MANAGER', branchId: a.branch.id, locale: 'en' });
    const audit = await auditRows(db.owner, 'users', res.body.id);
    expect(audit[0]).toMatchObject({ action: 'INSERT', actor_id: a.hq.id });
    expect(JSON.stringify(audit[0]!.diff)).not.toContain('argon2');
  });

  it('names bad fields (400), duplicate usernames (409), and role/branch mismatches', async () => {
    const base = { username: uniq('u_', 4), password: PASSWORD, fullName: '이름', role: 'HQ_ADMIN' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, username: 'a b' }, 'username'],
      [{ ...base, password: 'short' }, 'password'],
      [{ ...base, role: 'BOSS' }, 'role'],
      [{ ...base, locale: 'jp' }, 'locale'],
      [{ ...base, email: 'not-an-email' }, 'email'],
      [{ ...base, fullName: '' }, 'fullName'],
      [{ ...base, role: 'BRANCH_MANAGER' }, 'branchId'],
      [{ ...base, role: 'PARTNER_COORDINATOR' }, 'partnerId'],
      [{ ...base, branchId: a.branch.id }, 'branchId'],
    ];
    for (const [body, field] of cases) {
      const r = await api.request('POST', '/api/admin/users', { token: t.hq, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    const dup = await api.request('POST', '/api/admin/users', {
      token: t.hq,
      body: { ...base, username: a.manager.username },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'DUPLICATE', field: 'username' });
    const unknownBranch = await api.request('POST', '/api/admin/users', {
      token: t.hq,
      body: { ...base, role: 'INSTALLER', branchId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknownBranch.status).toBe(422);
    expect(unknownBranch.body.error.field).toBe('branchId');
  });

  it('only HQ administers users (403 for everyone else)', async () => {
    for (const token of [t.manager, t.coordinator, t.installer]) {
      expect((await api.request('GET', '/api/admin/users', { token })).status).toBe(403);
      const r = await api.request('POST', '/api/admin/users', {
        token,
        body: { username: uniq('x_'), password: PASSWORD, fullName: 'x', role: 'HQ_ADMIN' },
      });
      expect(r.status).toBe(403);
    }
  });

  it('edits at a version (409 when stale), changes the role (audited), lists with filters and keyset pages', async () => {
    const u = await createUser(db.owner, { role: 'INSTALLER', branchId: a.branch.id, fullName: '박기사' });
    const got = await api.request('GET', `/api/admin/users/${u.id}`, { token: t.hq });
    const changed = await api.request('PATCH', `/api/admin/users/${u.id}`, {
      token: t.hq,
      body: { version: got.body.version, role: 'BRANCH_MANAGER', fullName: '박관리' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ role: 'BRANCH_MANAGER', fullName: '박관리', version: got.body.version + 1 });
    const stale = await api.request('PATCH', `/api/admin/users/${u.id}`, {
      token: t.hq,
      body: { version: got.body.version, fullName: '옛이름' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.current.fullName).toBe('박관리');
    const roles = await db.owner.query(
      `SELECT action, diff FROM audit_logs WHERE table_name = 'user_roles' AND record_id = $1 ORDER BY logged_at, action`,
      [u.id],
    );
    expect(roles.rows).toEqual(
      expect.arrayContaining([
        { action: 'DELETE', diff: { role_code: 'INSTALLER' } },
        { action: 'INSERT', diff: { role_code: 'BRANCH_MANAGER' } },
      ]),
    );

    const page1 = await api.request('GET', `/api/admin/users?branchId=${a.branch.id}&limit=2`, { token: t.hq });
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await api.request(
      'GET',
      `/api/admin/users?branchId=${a.branch.id}&limit=2&cursor=${page1.body.nextCursor}`,
      {
        token: t.hq,
      },
    );
    const ids = [...page1.body.items, ...page2.body.items].map((x: { id: string }) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    const byRole = await api.request('GET', '/api/admin/users?role=PARTNER_COORDINATOR', { token: t.hq });
    expect(byRole.body.items.every((x: { role: string }) => x.role === 'PARTNER_COORDINATOR')).toBe(true);
    const badCursor = await api.request('GET', '/api/admin/users?cursor=abc', { token: t.hq });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.field).toBe('cursor');
  });

  it('a password reset and a deactivation end the user’s sessions (refresh tokens revoked)', async () => {
    const u = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: a.branch.id });
    const session = await api.login(u.username);
    const reset = await api.request('POST', `/api/admin/users/${u.id}/password`, {
      token: t.hq,
      body: { password: 'another long password' },
    });
    expect(reset.status).toBe(200);
    const refreshed = await api.request('POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refreshed.status).toBe(401);
    const again = await api.login(u.username, 'another long password');
    const current = await api.request('GET', `/api/admin/users/${u.id}`, { token: t.hq });
    const off = await api.request('POST', `/api/admin/users/${u.id}/deactivate`, {
      token: t.hq,
      body: { version: current.body.version },
    });
    expect(off.status).toBe(200);
    expect(off.body.isActive).toBe(false);
    expect(
      (await api.request('POST', '/api/auth/refresh', { body: { refreshToken: again.refreshToken } })).status,
    ).toBe(401);
    const login = await api.request('POST', '/api/auth/login', {
      body: { username: u.username, password: 'another long password' },
    });
    expect(login.status).toBe(401);
    const self = await api.request('GET', `/api/admin/users/${a.hq.id}`, { token: t.hq });
    const selfOff = await api.request('POST', `/api/admin/users/${a.hq.id}/deactivate`, {
      token: t.hq,
      body: { version: self.body.version },
    });
    expect(selfOff.status).toBe(422);
  });
});

describe('admin: reference data', () => {
  it('branches: create, duplicate code 409, bad time zone 400, update at version, deactivate', async () => {
    const code = uniq('B', 3).toUpperCase();
    const created = await api.request('POST', '/api/admin/branches', {
      token: t.hq,
      body: { code, name: '신규 지점', region: '경기' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code, timezone: 'Asia/Seoul', isActive: true, version: 1 });
    const dup = await api.request('POST', '/api/admin/branches', { token: t.hq, body: { code, name: '또' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.field).toBe('code');
    const badTz = await api.request('POST', '/api/admin/branches', {
      token: t.hq,
      body: { code: uniq('B', 3), name: 'x', timezone: 'Mars/Olympus' },
    });
    expect(badTz.status).toBe(400);
    expect(badTz.body.error.field).toBe('timezone');
    const upd = await api.request('PATCH', `/api/admin/branches/${created.body.id}`, {
      token: t.hq,
      body: { version: 1, name: '이름 바꿈' },
    });
    expect(upd.body).toMatchObject({ name: '이름 바꿈', version: 2 });
    const stale = await api.request('PATCH', `/api/admin/branches/${created.body.id}`, {
      token: t.hq,
      body: { version: 1, name: 'x' },
    });
    expect(stale.status).toBe(409);
    const off = await api.request('POST', `/api/admin/branches/${created.body.id}/deactivate`, {
      token: t.hq,
      body: { version: 2 },
    });
    expect(off.body.isActive).toBe(false);
    const listed = await api.request('GET', '/api/admin/branches?active=false', { token: t.hq });
    expect(listed.body.items.map((x: { id: string }) => x.id)).toContain(created.body.id);
    expect((await auditRows(db.owner, 'branches', created.body.id)).map((r) => r.action)).toEqual([
      'INSERT',
      'UPDATE',
      'UPDATE',
    ]);
    const missing = await api.request('PATCH', '/api/admin/branches/00000000-0000-4000-8000-000000000000', {
      token: t.hq,
      body: { version: 1, name: 'x' },
    });
    expect(missing.status).toBe(404);
  });

  it('partners, reason codes (code must match the type), waste codes and item-skill rules', async () => {
    const partner = await api.request('POST', '/api/admin/partners', {
      token: t.hq,
      body: { code: uniq('F', 3), name: '협력사', email: 'fdc@example.com' },
    });
    expect(partner.status).toBe(201);
    const badEmail = await api.request('PATCH', `/api/admin/partners/${partner.body.id}`, {
      token: t.hq,
      body: { version: 1, email: 'nope' },
    });
    expect(badEmail.body.error.field).toBe('email');

    const mismatch = await api.request('POST', '/api/admin/reason-codes', {
      token: t.hq,
      body: { type: 'CANCEL', code: 'P77', descriptionKo: '가', descriptionEn: 'a' },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.field).toBe('code');
    const reason = await api.request('POST', '/api/admin/reason-codes', {
      token: t.hq,
      body: { type: 'CANCEL', code: 'c77', descriptionKo: '기타 취소', descriptionEn: 'Other' },
    });
    expect(reason.status).toBe(201);
    expect(reason.body.code).toBe('C77');
    const dupReason = await api.request('POST', '/api/admin/reason-codes', {
      token: t.hq,
      body: { type: 'CANCEL', code: 'C77', descriptionKo: '또', descriptionEn: 'again' },
    });
    expect(dupReason.status).toBe(409);
    expect(dupReason.body.error.field).toBe('code');
    const typeChange = await api.request('PATCH', `/api/admin/reason-codes/${reason.body.id}`, {
      token: t.hq,
      body: { version: 1, type: 'ABSENCE' },
    });
    expect(typeChange.body.error.field).toBe('type');
    const cancels = await api.request('GET', '/api/admin/reason-codes?type=CANCEL', { token: t.hq });
    expect(cancels.body.items.every((r: { type: string }) => r.type === 'CANCEL')).toBe(true);

    const waste = await api.request('POST', '/api/admin/waste-codes', {
      token: t.hq,
      body: { code: 'W11', nameKo: '식기세척기', nameEn: 'Dishwasher' },
    });
    expect(waste.status).toBe(201);
    const dupWaste = await api.request('POST', '/api/admin/waste-codes', {
      token: t.hq,
      body: { code: 'W11', nameKo: '또', nameEn: 'again' },
    });
    expect(dupWaste.status).toBe(409);
    expect(dupWaste.body.error.field).toBe('code');
    const renamed = await api.request('PATCH', '/api/admin/waste-codes/W11', {
      token: t.hq,
      body: { version: 1, nameEn: 'Dish washer' },
    });
    expect(renamed.body).toMatchObject({ code: 'W11', nameEn: 'Dish washer', version: 2 });

    const rule = await api.request('POST', '/api/admin/item-skill-rules', {
      token: t.hq,
      body: { itemPrefix: 'dw', skillTag: 'Plumbing', requiresSerial: true },
    });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({ itemPrefix: 'DW', skillTag: 'plumbing', requiresSerial: true });
    const dupRule = await api.request('POST', '/api/admin/item-skill-rules', {
      token: t.hq,
      body: { itemPrefix: 'DW', skillTag: 'x' },
    });
    expect(dupRule.status).toBe(409);
    expect(dupRule.body.error.field).toBe('itemPrefix');
    const del = await api.request('DELETE', `/api/admin/item-skill-rules/${rule.body.id}?version=1`, { token: t.hq });
    expect(del.status).toBe(204);
    expect((await auditRows(db.owner, 'item_skill_rules', rule.body.id)).map((r) => r.action)).toEqual([
      'INSERT',
      'DELETE',
    ]);
  });

  it('reference data is HQ’s: others get 403', async () => {
    for (const path of ['branches', 'partners', 'reason-codes', 'waste-codes', 'item-skill-rules']) {
      expect((await api.request('GET', `/api/admin/${path}`, { token: t.manager })).status).toBe(403);
    }
  });
});

describe('installers', () => {
  it('a branch manager creates and edits its own branch’s installers (skills, capacity, regions, user link)', async () => {
    const login = await createUser(db.owner, { role: 'INSTALLER', branchId: a.branch.id });
    const res = await api.request('POST', '/api/installers', {
      token: t.manager,
      body: {
        name: '최기사',
        partnerId: a.partner.id,
        userId: login.id,
        skillTags: ['Aircon', 'aircon', 'fridge'],
        regions: ['서울', '성남'],
        capacityPerDay: 6,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      branchId: a.branch.id,
      userId: login.id,
      username: login.username,
      skillTags: ['aircon', 'fridge'],
      regions: ['서울', '성남'],
      capacityPerDay: 6,
      isActive: true,
    });
    const upd = await api.request('PATCH', `/api/installers/${res.body.id}`, {
      token: t.manager,
      body: { version: res.body.version, capacityPerDay: 3, skillTags: ['washer'] },
    });
    expect(upd.body).toMatchObject({ capacityPerDay: 3, skillTags: ['washer'], version: res.body.version + 1 });
    const dupLink = await api.request('POST', '/api/installers', {
      token: t.hq,
      body: { branchId: a.branch.id, name: '둘째', userId: login.id },
    });
    expect(dupLink.status).toBe(409);
    expect(dupLink.body.error.field).toBe('userId');
    const listed = await api.request('GET', '/api/installers?skill=washer', { token: t.manager });
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(res.body.id);
    const audit = await auditRows(db.owner, 'installers', res.body.id);
    expect(audit.map((r) => [r.action, r.actor_id])).toEqual([
      ['INSERT', a.manager.id],
      ['UPDATE', a.manager.id],
    ]);
  });

  it('another branch’s installers are a 404 to a manager; naming another branch too; coordinators and installers 403', async () => {
    const theirs = b.installer;
    expect((await api.request('GET', `/api/installers/${theirs.id}`, { token: t.manager })).status).toBe(404);
    const edit = await api.request('PATCH', `/api/installers/${theirs.id}`, {
      token: t.manager,
      body: { version: 1, capacityPerDay: 1 },
    });
    expect(edit.status).toBe(404);
    const create = await api.request('POST', '/api/installers', {
      token: t.manager,
      body: { branchId: b.branch.id, name: '남의 기사' },
    });
    expect(create.status).toBe(404);
    expect(create.body.error.field).toBe('branchId');
    for (const token of [t.coordinator, t.installer]) {
      expect((await api.request('POST', '/api/installers', { token, body: { name: 'x' } })).status).toBe(403);
    }
  });

  it('names bad fields (400) and refuses a login that is not an installer’s (422)', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'x', capacityPerDay: -1 }, 'capacityPerDay'],
      [{ name: 'x', skillTags: ['bad tag'] }, 'skillTags.0'],
      [{ name: 'x', phone: 'call me' }, 'phone'],
      [{ name: 'x', colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const r = await api.request('POST', '/api/installers', { token: t.manager, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    const notInstaller = await api.request('POST', '/api/installers', {
      token: t.hq,
      body: { branchId: a.branch.id, name: 'x', userId: a.coordinator.id },
    });
    expect(notInstaller.status).toBe(422);
    expect(notInstaller.body.error.field).toBe('userId');
  });

  it('deactivates and activates at a version; /installers/assignable still routes to assignment', async () => {
    const created = await api.request('POST', '/api/installers', { token: t.manager, body: { name: '임시기사' } });
    const off = await api.request('POST', `/api/installers/${created.body.id}/deactivate`, {
      token: t.manager,
      body: { version: created.body.version },
    });
    expect(off.body.isActive).toBe(false);
    const stale = await api.request('POST', `/api/installers/${created.body.id}/activate`, {
      token: t.manager,
      body: { version: created.body.version },
    });
    expect(stale.status).toBe(409);
    const on = await api.request('POST', `/api/installers/${created.body.id}/activate`, {
      token: t.manager,
      body: { version: off.body.version },
    });
    expect(on.body.isActive).toBe(true);
    const assignable = await api.request('GET', '/api/installers/assignable?date=2030-01-01', { token: t.manager });
    expect(assignable.status).toBe(200);
  });
});
