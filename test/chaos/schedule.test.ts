// Every chaos failure reproduces with its seed (issue 17): the nemesis schedule and each clerk's op stream are
// pure functions of the seed — nothing of the clock, of Math.random, or of what the clerk's copy holds.
import { describe, expect, it } from 'vitest';
import { intents, opOf } from '../sync/random-ops.js';
import { nemesisSchedule, scheduleFingerprint } from './schedule.js';

const RUN = { seconds: 30, clients: 3, orders: 20 };

describe('the nemesis schedule', () => {
  it('is the same for the same seed, and another for another seed', () => {
    const a = nemesisSchedule(20261207, RUN);
    const b = nemesisSchedule(20261207, RUN);
    expect(b).toEqual(a);
    expect(scheduleFingerprint(b)).toBe(scheduleFingerprint(a));
    expect(scheduleFingerprint(nemesisSchedule(20261208, RUN))).not.toBe(scheduleFingerprint(a));
  });

  it('draws every kind of fault, the engine’s crash points among them, within the run', () => {
    const kinds = new Map<string, number>();
    const crashAt = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const { events } = nemesisSchedule(seed, RUN);
      for (const e of events) {
        kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
        if (e.kind === 'client crash point') crashAt.add(e.crashAt.split(':')[0]!);
        expect(e.at).toBeLessThan(RUN.seconds * 1000);
      }
    }
    expect([...kinds.keys()].sort()).toEqual([
      'backends terminated',
      'client crash point',
      'client kill -9',
      'head office kill -9',
      'hq REST edit',
      'link cut',
      'lost ack',
      'silent link reset',
    ]);
    expect([...crashAt].sort()).toEqual(['page', 'push']);
  });
});

describe('a clerk’s op stream', () => {
  const setup = { seed: 77, branchId: 'b', installers: ['i1', 'i2'], orders: ['o1', 'o2', 'o3'] };

  it('is the same sequence of intents for the same seed', () => {
    const a = intents(setup);
    const b = intents(setup);
    for (let i = 0; i < 300; i++) expect(b()).toEqual(a());
  });

  it('does not depend on what the copy holds: a state that refuses an intent makes its remarks edit instead', () => {
    const next = intents(setup);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const intent = next();
      const assigned = opOf(intent, '배정', setup.installers);
      const unassigned = opOf(intent, '미배정', setup.installers);
      // the order and the values typed are the intent's whatever the state
      expect(assigned.orderId).toBe(intent.orderId);
      expect(unassigned.orderId).toBe(intent.orderId);
      seen.add(`${intent.want}→${assigned.kind}/${unassigned.kind}`);
      if (intent.want === 'assign') expect(assigned).toMatchObject({ kind: 'order.update' });
      if (intent.want === 'unassign') expect(unassigned.payload).toEqual({ remarks: intent.remarks });
    }
    expect(seen).toContain('assign→order.update/order.assign');
    expect(seen).toContain('unassign→order.unassign/order.update');
    expect(seen).toContain('create→order.create/order.create');
  });
});
