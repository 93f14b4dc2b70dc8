// The random clerk of the chaos harness and randomized.test.ts, as a pure function of its seed (issue 17: every
// failure reproduces with its seed). The seed alone decides the sequence of intents — which order (from the
// orders the clerk is given and the ones it creates itself, whose ids come from the seed too), what to do to it,
// every value typed, the pause after it. What the clerk's copy holds at that moment decides only whether a
// state-dependent intent (assign, a status step, unassign) applies to the order as it stands; when it does not,
// the intent's remarks edit is made instead, so the same seed still makes one op per intent.
import { v7 as uuidv7 } from 'uuid';
import type { OpKind } from '../../domain/sync-protocol.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Intent {
  want: 'create' | 'update' | 'assign' | 'status' | 'unassign';
  orderId: string;
  /** the create's body, the edit's patch: both drawn for every intent, so the draws never depend on the state */
  create: Record<string, unknown>;
  patch: Record<string, unknown>;
  remarks: string;
  /** the installer an assign names (index drawn always) */
  installerPick: number;
  /** the status step a status change takes (index drawn always) */
  statusPick: number;
  pauseMs: number;
}

export interface ClerkSetup {
  seed: number;
  branchId: string;
  installers: string[];
  /** the orders the clerk may pick (its branch's), in a fixed order; its own creates are added as it makes them */
  orders: string[];
}

/** A fixed number of draws per intent: the n-th intent of a seed is the same whatever happened before it. */
export function intents(setup: ClerkSetup): () => Intent {
  const rnd = mulberry32(setup.seed);
  const candidates = [...setup.orders];
  // ids from the seed (UUIDv7-shaped, as the client makes them), so a create is the same op on every run
  const msecsBase = 1_700_000_000_000 + (setup.seed % 1_000_000_000);
  let made = 0;
  const draw16 = () => Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256));
  return () => {
    const r = rnd();
    const orderPick = rnd();
    const orderBytes = draw16();
    const lineBytes = draw16();
    const customer = Math.floor(rnd() * 1000);
    const quantity = 1 + Math.floor(rnd() * 3);
    const remarks = `메모 ${Math.floor(rnd() * 1e6)}`;
    const patch = rnd() < 0.5 ? { remarks } : { customerName: `이름 ${Math.floor(rnd() * 1e3)}` };
    const installerPick = rnd();
    const statusPick = rnd();
    const pauseMs = 20 + rnd() * 120;
    const orderId = uuidv7({ msecs: msecsBase + made, seq: 0, random: orderBytes });
    const create = {
      id: orderId,
      orderNo: `R-${orderId.slice(-12)}`,
      customerName: `고객 ${customer}`,
      address: { line1: '임의로 1', city: '서울' },
      branchId: setup.branchId,
      lines: [
        {
          id: uuidv7({ msecs: msecsBase + made, seq: 1, random: lineBytes }),
          itemCode: 'GEN-1',
          itemName: '소형 가전',
          quantity,
        },
      ],
    };
    const base = { create, patch, remarks, installerPick, statusPick, pauseMs };
    if (candidates.length === 0 || r < 0.1) {
      made++;
      candidates.push(orderId);
      return { ...base, want: 'create', orderId };
    }
    const target = candidates[Math.floor(orderPick * candidates.length)]!;
    const want = r < 0.6 ? 'update' : r < 0.75 ? 'assign' : r < 0.85 ? 'status' : r < 0.92 ? 'unassign' : 'update';
    return { ...base, want, orderId: target };
  };
}

const STATUSES_NEXT: Record<string, string[]> = { 배정: ['배정확정'], 배정확정: ['출고확정'] };

/**
 * The op an intent makes on the order as the clerk's copy holds it (`status`; null: not in the copy). An intent
 * that does not apply to that state becomes its remarks edit.
 */
export function opOf(
  intent: Intent,
  status: string | null,
  installers: string[],
): { kind: OpKind; orderId: string; payload: Record<string, unknown> } {
  const { orderId } = intent;
  if (intent.want === 'create') return { kind: 'order.create', orderId, payload: intent.create };
  if (intent.want === 'update') return { kind: 'order.update', orderId, payload: intent.patch };
  if (intent.want === 'assign' && status === '미배정' && installers.length)
    return {
      kind: 'order.assign',
      orderId,
      payload: { installerId: installers[Math.floor(intent.installerPick * installers.length)] },
    };
  const next = status ? STATUSES_NEXT[status] : undefined;
  if (intent.want === 'status' && next)
    return { kind: 'order.status', orderId, payload: { status: next[Math.floor(intent.statusPick * next.length)] } };
  if (intent.want === 'unassign' && status === '배정') return { kind: 'order.unassign', orderId, payload: {} };
  return { kind: 'order.update', orderId, payload: { remarks: intent.remarks } };
}
