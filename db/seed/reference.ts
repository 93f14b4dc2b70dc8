// The people and places orders refer to: branches, partners, users with their roles, installers and settlement
// weeks. Small, built in memory, loaded with COPY before the orders.
import { DAY_MS, date, HOUR_MS, kstMidnight, NULL, text, ts, uuid7 } from './copy-text.js';
import { DEMO_PASSWORD, hashPassword } from './passwords.js';
import { type Prng, Weighted } from './prng.js';
import {
  type BranchSpec,
  branchSpec,
  GIVEN_FIRST,
  GIVEN_SECOND,
  PARTNER_NAMES,
  SKILL_TAGS,
  SURNAMES,
} from './vocabulary.js';

export type RoleCode = 'HQ_ADMIN' | 'BRANCH_MANAGER' | 'PARTNER_COORDINATOR' | 'INSTALLER';

export interface User {
  id: string;
  username: string;
  fullName: string;
  email: string | null;
  branchId: string | null;
  partnerId: string | null;
  role: RoleCode;
  passwordHash: string;
}

export interface Partner {
  id: string;
  code: string;
  name: string;
  coordinators: User[];
}

export interface Installer {
  id: string;
  branch: Branch;
  partner: Partner | null;
  user: User | null;
  name: string;
  phone: string;
  skills: string[];
  regions: string[];
  capacity: number;
  active: boolean;
}

export interface Branch {
  index: number;
  id: string;
  spec: BranchSpec;
  managers: User[];
  installers: Installer[];
}

export interface SettlementWeek {
  id: string;
  branch: Branch;
  startDay: number; // Korean day number of the Monday
  status: 'OPEN' | 'LOCKED';
  lockedBy: User | null;
  lockedAt: number | null;
  unlockedBy: User | null;
  unlockedAt: number | null;
}

export interface World {
  hq: User[];
  branches: Branch[];
  partners: Partner[];
  installers: Installer[];
  users: User[];
  weeks: SettlementWeek[];
  /** When the reference rows were created (before the first order). */
  createdMs: number;
  branchPicker: Weighted<Branch>;
}

export interface WorldOptions {
  branches: number;
  partners: number;
  /** Installers per branch; a function of the branch's expected orders per day when not fixed. */
  installersPerBranch: (branch: Branch) => number;
  /** Share of installers with a login of their own. */
  installerLoginShare: number;
  startMs: number;
  todayDay: number;
}

export function koreanName(rng: Prng): string {
  return SURNAMES.pick(rng) + rng.pick(GIVEN_FIRST) + rng.pick(GIVEN_SECOND);
}

export function mobilePhone(rng: Prng): string {
  return `010-${rng.range(2000, 9999)}-${String(rng.int(10000)).padStart(4, '0')}`;
}

/**
 * Builds the reference data. Named logins come first so every data set has them: `hq`, `mgr.<branch slug>`
 * (mgr.seoul, mgr.busan, …), `coord` (first partner), `inst1`, `inst2`, … (installers with a login, Seoul's
 * first). Every login's password is DEMO_PASSWORD; the named ones get their own Argon2id hash, the many
 * generated ones share one (same password, so one hash verifies for all; it saves ≈17 ms per user).
 */
export async function buildWorld(rng: Prng, opts: WorldOptions): Promise<World> {
  const createdMs = opts.startMs - 30 * DAY_MS;
  const sharedHash = await hashPassword(DEMO_PASSWORD);
  const namedHashes = await Promise.all(
    ['hq', 'mgr.seoul', 'mgr.busan', 'coord', 'inst1'].map(
      async (u) => [u, await hashPassword(DEMO_PASSWORD)] as const,
    ),
  );
  const hashFor = (username: string) => namedHashes.find(([u]) => u === username)?.[1] ?? sharedHash;
  const users: User[] = [];
  const addUser = (u: Omit<User, 'id' | 'passwordHash'>): User => {
    const user = { ...u, id: uuid7(createdMs, rng), passwordHash: hashFor(u.username) };
    users.push(user);
    return user;
  };

  const hq = [
    addUser({
      username: 'hq',
      fullName: '본사관리자',
      email: 'hq@example.com',
      branchId: null,
      partnerId: null,
      role: 'HQ_ADMIN',
    }),
    addUser({
      username: 'hq.ops',
      fullName: koreanName(rng),
      email: 'hq.ops@example.com',
      branchId: null,
      partnerId: null,
      role: 'HQ_ADMIN',
    }),
  ];

  const branches: Branch[] = [];
  for (let i = 0; i < opts.branches; i++) {
    const branch: Branch = { index: i, id: uuid7(createdMs, rng), spec: branchSpec(i), managers: [], installers: [] };
    branch.managers.push(
      addUser({
        username: `mgr.${branch.spec.slug}`,
        fullName: koreanName(rng),
        email: `mgr.${branch.spec.slug}@example.com`,
        branchId: branch.id,
        partnerId: null,
        role: 'BRANCH_MANAGER',
      }),
      addUser({
        username: `clerk.${branch.spec.slug}`,
        fullName: koreanName(rng),
        email: null,
        branchId: branch.id,
        partnerId: null,
        role: 'BRANCH_MANAGER',
      }),
    );
    branches.push(branch);
  }

  const partners: Partner[] = [];
  for (let i = 0; i < opts.partners; i++) {
    const code = `P${String(i + 1).padStart(3, '0')}`;
    const partner: Partner = {
      id: uuid7(createdMs, rng),
      code,
      name: PARTNER_NAMES[i % PARTNER_NAMES.length]! + (i >= PARTNER_NAMES.length ? ` ${Math.floor(i / 10) + 1}` : ''),
      coordinators: [],
    };
    partner.coordinators.push(
      addUser({
        username: i === 0 ? 'coord' : `coord.${code.toLowerCase()}`,
        fullName: koreanName(rng),
        email: `${i === 0 ? 'coord' : `coord.${code.toLowerCase()}`}@example.com`,
        branchId: null,
        partnerId: partner.id,
        role: 'PARTNER_COORDINATOR',
      }),
    );
    partners.push(partner);
  }

  // Each branch works with two partners (and a few direct installers); partner 0 serves Seoul, so `coord`
  // sees inst1's orders.
  const installers: Installer[] = [];
  let loginNo = 0;
  for (const branch of branches) {
    const count = opts.installersPerBranch(branch);
    const cities = branch.spec.cities.map((c) => c.city);
    for (let k = 0; k < count; k++) {
      const direct = k > 0 && k % 10 === 9;
      const partner = direct ? null : partners[(branch.index + (k % 2)) % partners.length]!;
      const skills = SKILL_TAGS.filter(() => rng.chance(0.45));
      if (!skills.length) skills.push(rng.pick(SKILL_TAGS));
      if (k < 2 && !skills.includes('aircon')) skills.unshift('aircon'); // every branch can install air conditioners
      const regions = cities.filter(() => rng.chance(0.55));
      if (!regions.length) regions.push(rng.pick(cities));
      const installer: Installer = {
        id: uuid7(createdMs, rng),
        branch,
        partner,
        user: null,
        name: koreanName(rng),
        phone: mobilePhone(rng),
        skills,
        regions,
        capacity: rng.range(6, 10),
        active: k < 3 || rng.chance(0.95),
      };
      // The first installer of every branch has a login (inst1 is Seoul's).
      if (k === 0 || rng.chance(opts.installerLoginShare)) {
        loginNo++;
        installer.user = addUser({
          username: `inst${loginNo}`,
          fullName: installer.name,
          email: null,
          branchId: branch.id,
          partnerId: partner?.id ?? null,
          role: 'INSTALLER',
        });
      }
      branch.installers.push(installer);
      installers.push(installer);
    }
  }

  // Settlement weeks from the data's first Monday to this week. Weeks that ended more than a week ago are LOCKED
  // (settled); last week and this week are OPEN; one older week per branch was reopened by HQ.
  const weeks: SettlementWeek[] = [];
  const firstDay = Math.floor(opts.startMs / DAY_MS);
  const firstMonday = firstDay - isoDow(firstDay) + 1;
  const thisMonday = opts.todayDay - isoDow(opts.todayDay) + 1;
  for (const branch of branches) {
    const manager = branch.managers[0]!;
    for (let monday = firstMonday; monday <= thisMonday; monday += 7) {
      const sunday = monday + 6;
      const locked = sunday <= opts.todayDay - 8;
      const reopened = monday === thisMonday - 21;
      const lockedAt = kstMidnight(sunday + 2) + 18 * HOUR_MS;
      weeks.push({
        id: uuid7(kstMidnight(monday), rng),
        branch,
        startDay: monday,
        status: locked && !reopened ? 'LOCKED' : 'OPEN',
        lockedBy: locked ? manager : null,
        lockedAt: locked ? lockedAt : null,
        unlockedBy: locked && reopened ? hq[0]! : null,
        unlockedAt: locked && reopened ? lockedAt + 26 * HOUR_MS : null,
      });
    }
  }

  return {
    hq,
    branches,
    partners,
    installers,
    users,
    weeks,
    createdMs,
    branchPicker: new Weighted(branches.map((b) => [b, b.spec.weight] as const)),
  };
}

/** ISO day of week (Monday 1 … Sunday 7) of a Korean day number (day 0, 1970-01-01, was a Thursday). */
export function isoDow(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** COPY column lists and rows of the reference tables, in load order. */
export function referenceTables(w: World): { table: string; columns: string[]; rows: string[] }[] {
  const at = ts(w.createdMs);
  const arr = (xs: readonly string[]) => `{${xs.map((x) => `"${x}"`).join(',')}}`;
  return [
    {
      table: 'branches',
      columns: ['id', 'code', 'name', 'region', 'created_at', 'updated_at'],
      rows: w.branches.map((b) => [b.id, b.spec.code, b.spec.name, b.spec.region, at, at].join('\t')),
    },
    {
      table: 'partners',
      columns: ['id', 'code', 'name', 'contact_name', 'phone', 'email', 'created_at', 'updated_at'],
      rows: w.partners.map((p) =>
        [
          p.id,
          p.code,
          p.name,
          p.coordinators[0]?.fullName ?? NULL,
          `02-${3000 + w.partners.indexOf(p)}-1000`,
          `${p.code.toLowerCase()}@partner.example.com`,
          at,
          at,
        ].join('\t'),
      ),
    },
    {
      table: 'users',
      columns: [
        'id',
        'username',
        'password_hash',
        'full_name',
        'email',
        'branch_id',
        'partner_id',
        'password_changed_at',
        'created_at',
        'updated_at',
      ],
      rows: w.users.map((u) =>
        [
          u.id,
          u.username,
          text(u.passwordHash),
          u.fullName,
          text(u.email),
          u.branchId ?? NULL,
          u.partnerId ?? NULL,
          at,
          at,
          at,
        ].join('\t'),
      ),
    },
    {
      table: 'user_roles',
      columns: ['user_id', 'role_code', 'created_at'],
      rows: w.users.map((u) => [u.id, u.role, at].join('\t')),
    },
    {
      table: 'installers',
      columns: [
        'id',
        'partner_id',
        'branch_id',
        'user_id',
        'name',
        'phone',
        'skill_tags',
        'regions',
        'capacity_per_day',
        'is_active',
        'created_at',
        'updated_at',
      ],
      rows: w.installers.map((i) =>
        [
          i.id,
          i.partner?.id ?? NULL,
          i.branch.id,
          i.user?.id ?? NULL,
          i.name,
          i.phone,
          arr(i.skills),
          arr(i.regions),
          String(i.capacity),
          i.active ? 't' : 'f',
          at,
          at,
        ].join('\t'),
      ),
    },
    {
      table: 'settlement_periods',
      columns: [
        'id',
        'branch_id',
        'period_start',
        'period_end',
        'status',
        'locked_by',
        'locked_at',
        'unlocked_by',
        'unlocked_at',
        'version',
        'created_at',
        'updated_at',
      ],
      rows: w.weeks.map((s) => {
        const created = kstMidnight(s.startDay);
        const updated = s.unlockedAt ?? s.lockedAt ?? created;
        const version = 1 + (s.lockedAt ? 1 : 0) + (s.unlockedAt ? 1 : 0);
        return [
          s.id,
          s.branch.id,
          date(s.startDay),
          date(s.startDay + 6),
          s.status,
          s.lockedBy?.id ?? NULL,
          ts(s.lockedAt),
          s.unlockedBy?.id ?? NULL,
          ts(s.unlockedAt),
          String(version),
          ts(created),
          ts(updated),
        ].join('\t');
      }),
    },
  ];
}
