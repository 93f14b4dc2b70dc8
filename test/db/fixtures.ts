// Small hand-made data sets for the schema tests: two branches, two partners, installers with logins and a few
// orders with children, written as the owner through the normal triggers.
import type pg from 'pg';

export type Role = 'HQ_ADMIN' | 'BRANCH_MANAGER' | 'PARTNER_COORDINATOR' | 'INSTALLER';
export interface AppContext {
  role: Role;
  userId?: string;
  branchId?: string;
  partnerId?: string;
}

/** What a failed statement reports: SQLSTATE, constraint and message. */
export interface PgFailure {
  code?: string;
  constraint?: string;
  message: string;
}

/** Runs `fn`, expecting it to fail; returns the database error. */
export async function failure(fn: () => Promise<unknown>): Promise<PgFailure> {
  try {
    await fn();
  } catch (e) {
    const err = e as pg.DatabaseError;
    return { code: err.code, constraint: err.constraint, message: err.message };
  }
  throw new Error('expected the statement to fail, it succeeded');
}

/** A live session per fixture user (makeFixture): the database seals a context only for one (0071, 0072). */
const sessions = new Map<string, string>();

/**
 * One transaction on `client` with the request context the server sets (app_enter_request with the user's
 * session: sealed, migration 0072), rolled back at the end unless `commit`. A null context sets nothing.
 */
export async function inTransaction<T>(
  client: pg.ClientBase,
  ctx: AppContext | null,
  fn: (c: pg.ClientBase) => Promise<T>,
  opts: { commit?: boolean } = {},
): Promise<T> {
  await client.query('BEGIN');
  try {
    if (ctx) {
      const session = ctx.userId && sessions.get(ctx.userId);
      if (!session) throw new Error(`no fixture session for ${JSON.stringify(ctx)}`);
      await client.query('SELECT app_enter_request($1, $2, $3, $4, NULL, $5)', [
        ctx.userId,
        ctx.role,
        ctx.branchId ?? '',
        ctx.partnerId ?? '',
        session,
      ]);
    }
    const out = await fn(client);
    await client.query(opts.commit ? 'COMMIT' : 'ROLLBACK');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

export interface Fixture {
  branchA: string;
  branchB: string;
  partnerA: string;
  partnerB: string;
  users: { hq: string; mgrA: string; mgrB: string; coordA: string; coordB: string; instA: string; instB: string };
  installerA: string;
  installerB: string;
  /** branch A, partner A, installer A */
  orderA: OrderRef;
  /** branch B, partner B, installer B */
  orderB: OrderRef;
  /** branch A, no partner, no installer */
  orderA2: OrderRef;
}

export interface OrderRef {
  id: string;
  createdAt: Date;
  orderNo: string;
  lineId: string;
  serialId: string;
  wasteId: string;
}

let seq = 0;
/** A unique suffix so several fixtures can live in one database. */
function uniq(): string {
  seq++;
  return `${process.pid.toString(36)}${seq}`.toUpperCase();
}

export async function insertOrder(
  db: pg.Pool | pg.ClientBase,
  o: {
    branchId: string;
    partnerId?: string | null;
    installerId?: string | null;
    status?: string;
    createdAt?: string;
    appointmentDate?: string | null;
    orderNo?: string;
  },
): Promise<{ id: string; createdAt: Date; orderNo: string }> {
  const orderNo = o.orderNo ?? `T${uniq()}`;
  const { rows } = await db.query(
    `INSERT INTO orders(order_no, customer_name, customer_phone, address, vendor, branch_id, partner_id, installer_id,
                        status, appointment_date, created_at)
     VALUES ($1, '홍길동', '010-1234-5678', '{"line1":"서울 강남구 테헤란로 1","city":"서울 강남구","postal":"06236"}',
             '동부대우전자', $2, $3, $4, $5, $6, ${o.createdAt ? '$7' : 'DEFAULT'})
     RETURNING id, created_at`,
    [
      orderNo,
      o.branchId,
      o.partnerId ?? null,
      o.installerId ?? null,
      o.status ?? '미배정',
      o.appointmentDate ?? null,
      ...(o.createdAt ? [o.createdAt] : []),
    ],
  );
  return { id: rows[0].id, createdAt: rows[0].created_at, orderNo };
}

async function orderWithChildren(
  db: pg.Pool,
  o: { branchId: string; partnerId: string | null; installerId: string | null; recordedBy: string },
): Promise<OrderRef> {
  const order = await insertOrder(db, {
    ...o,
    status: o.installerId ? '배정' : '미배정',
    appointmentDate: null,
  });
  const line = await db.query(
    `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
     VALUES ($1, $2, 'RF-SBS-832', '양문형 냉장고 832L', 1) RETURNING id`,
    [order.id, order.createdAt],
  );
  const serial = await db.query(
    `INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial, recorded_by)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [line.rows[0].id, order.id, order.createdAt, `SN${uniq()}`, o.recordedBy],
  );
  const waste = await db.query(
    `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
     VALUES ($1, $2, 'P01', 1, $3) RETURNING id`,
    [order.id, order.createdAt, o.branchId],
  );
  return { ...order, lineId: line.rows[0].id, serialId: serial.rows[0].id, wasteId: waste.rows[0].id };
}

export async function makeFixture(db: pg.Pool): Promise<Fixture> {
  const u = uniq();
  const branch = async (name: string) =>
    (
      await db.query('INSERT INTO branches(code, name, region) VALUES ($1, $2, $3) RETURNING id', [
        `B${u}${name}`,
        name,
        name,
      ])
    ).rows[0].id as string;
  const partner = async (name: string) =>
    (await db.query('INSERT INTO partners(code, name) VALUES ($1, $2) RETURNING id', [`P${u}${name}`, name])).rows[0]
      .id as string;
  const user = async (name: string, role: Role, branchId: string | null, partnerId: string | null) => {
    const id = (
      await db.query(
        `INSERT INTO users(username, password_hash, full_name, branch_id, partner_id)
         VALUES ($1, 'x', $2, $3, $4) RETURNING id`,
        [`${name}.${u}`.toLowerCase(), name, branchId, partnerId],
      )
    ).rows[0].id as string;
    await db.query('INSERT INTO user_roles(user_id, role_code) VALUES ($1, $2)', [id, role]);
    return id;
  };
  const installer = async (branchId: string, partnerId: string, userId: string) =>
    (
      await db.query(
        `INSERT INTO installers(branch_id, partner_id, user_id, name, skill_tags, regions)
         VALUES ($1, $2, $3, '김기사', '{fridge}', '{"서울 강남구"}') RETURNING id`,
        [branchId, partnerId, userId],
      )
    ).rows[0].id as string;

  const branchA = await branch('A');
  const branchB = await branch('B');
  const partnerA = await partner('A');
  const partnerB = await partner('B');
  const users = {
    hq: await user('hq', 'HQ_ADMIN', null, null),
    mgrA: await user('mgrA', 'BRANCH_MANAGER', branchA, null),
    mgrB: await user('mgrB', 'BRANCH_MANAGER', branchB, null),
    coordA: await user('coordA', 'PARTNER_COORDINATOR', null, partnerA),
    coordB: await user('coordB', 'PARTNER_COORDINATOR', null, partnerB),
    instA: await user('instA', 'INSTALLER', branchA, partnerA),
    instB: await user('instB', 'INSTALLER', branchB, partnerB),
  };
  const installerA = await installer(branchA, partnerA, users.instA);
  const installerB = await installer(branchB, partnerB, users.instB);
  const orderA = await orderWithChildren(db, {
    branchId: branchA,
    partnerId: partnerA,
    installerId: installerA,
    recordedBy: users.instA,
  });
  const orderB = await orderWithChildren(db, {
    branchId: branchB,
    partnerId: partnerB,
    installerId: installerB,
    recordedBy: users.instB,
  });
  const orderA2 = await orderWithChildren(db, {
    branchId: branchA,
    partnerId: null,
    installerId: null,
    recordedBy: users.mgrA,
  });
  for (const id of Object.values(users)) {
    const { rows } = await db.query<{ family_id: string }>(
      `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
       VALUES ($1::uuid, gen_random_uuid(), md5(random()::text || $1::text), now() + interval '1 day') RETURNING family_id`,
      [id],
    );
    sessions.set(id, rows[0]!.family_id);
  }
  return { branchA, branchB, partnerA, partnerB, users, installerA, installerB, orderA, orderB, orderA2 };
}

/** The context the server would set for each fixture user. */
export function contexts(f: Fixture): Record<'hq' | 'mgrA' | 'coordA' | 'instA', AppContext> {
  return {
    hq: { role: 'HQ_ADMIN', userId: f.users.hq },
    mgrA: { role: 'BRANCH_MANAGER', userId: f.users.mgrA, branchId: f.branchA },
    coordA: { role: 'PARTNER_COORDINATOR', userId: f.users.coordA, partnerId: f.partnerA },
    instA: { role: 'INSTALLER', userId: f.users.instA, branchId: f.branchA, partnerId: f.partnerA },
  };
}
