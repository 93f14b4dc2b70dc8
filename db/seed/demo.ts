import pg from 'pg';
import { migrate } from '../migrate.js';
import { DatabaseNotEmptyError, type GenerateResult, generate } from './generate.js';

/** The logins the README lists; every generated login's password is DEMO_PASSWORD (demo1234). */
export const DEMO_LOGINS = [
  { username: 'hq', role: 'HQ_ADMIN' },
  { username: 'mgr.seoul', role: 'BRANCH_MANAGER' },
  { username: 'mgr.busan', role: 'BRANCH_MANAGER' },
  { username: 'coord', role: 'PARTNER_COORDINATOR' },
  { username: 'inst1', role: 'INSTALLER' },
] as const;

export type DemoOutcome = { status: 'created'; result: GenerateResult } | { status: 'present' };

/**
 * The demo data set `npm start` loads: 4 branches (서울, 부산, 인천, 대구), 3 partners, 20 installers, 3,000
 * orders over the last three months in all 12 statuses. A database that already has the `hq` login is left
 * alone (a quick no-op, so `npm start` can call this on every start); one holding other data is refused with
 * DatabaseNotEmptyError.
 */
export async function seedDemo(
  url: string,
  opts: { now?: Date; log?: (l: string) => void } = {},
): Promise<DemoOutcome> {
  await migrate(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const present = await c.query("SELECT 1 FROM users WHERE username = 'hq'");
    if (present.rowCount) {
      // a demo database of an earlier release gets the branch phones of the notices too
      await seedNoticeBranchPhones(url);
      return { status: 'present' };
    }
  } finally {
    await c.end();
  }
  const result = await generate(url, {
    orders: 3000,
    branches: 4,
    partners: 3,
    installersPerBranch: 5,
    months: 3,
    seed: 2024,
    forceAllStatuses: true,
    now: opts.now,
    log: opts.log,
  });
  await seedNoticeBranchPhones(url);
  return { status: 'created', result };
}

/**
 * Each demo branch's phone number for the customer notices (#{지점전화}); the notice templates themselves come
 * with their migration (0106).
 */
async function seedNoticeBranchPhones(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      `INSERT INTO notice_branch_phones(branch_id, phone)
       SELECT b.id, '1588-' || lpad((1000 + row_number() OVER (ORDER BY b.code))::text, 4, '0') FROM branches b
       ON CONFLICT (branch_id) DO NOTHING`,
    );
  } finally {
    await c.end();
  }
}

export { DatabaseNotEmptyError };
