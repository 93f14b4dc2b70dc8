// The chaos run's nemesis schedule and the clerks' seeds, as a pure function of the run's seed (issue 17: every
// failure reproduces with its seed). Every event is drawn with the same number of draws whatever its kind, so
// the n-th event of a seed is the same on every run; test/chaos/schedule.test.ts checks it. What still varies
// with timing is listed in docs/reliability.md ("What a seed fixes").
import { createHash } from 'node:crypto';
import { mulberry32 } from '../sync/random-ops.js';

export type NemesisEvent =
  /** SIGKILL the clerk's process, start it again with `seed` */
  | { at: number; kind: 'client kill -9'; client: number; seed: number }
  /**
   * SIGKILL the clerk's process and start it again with the engine's own crash point armed (CRASH_AT of
   * test/sync/child-client.ts): it kills itself inside its n-th pull page (rows written, cursor not) or right
   * after its n-th push was answered (answers not stored); it is then started again with `afterSeed`
   */
  | { at: number; kind: 'client crash point'; client: number; seed: number; crashAt: string; afterSeed: number }
  /** SIGKILL the head office, start it again after `restartMs` */
  | { at: number; kind: 'head office kill -9'; restartMs: number }
  /** the answer to the clerk's next push is cut after the head office answered it */
  | { at: number; kind: 'lost ack'; client: number }
  /** the clerk's link refuses and drops connections for `downMs` */
  | { at: number; kind: 'link cut'; client: number; downMs: number }
  /** the clerk's open connections go dead without a word; new ones are refused for 1 s */
  | { at: number; kind: 'silent link reset'; client: number }
  /** every dispatch_app backend of the run's database terminated */
  | { at: number; kind: 'backends terminated' }
  /** the head office edits a seeded order's remarks through REST */
  | { at: number; kind: 'hq REST edit'; order: number; remarks: number };

export interface Schedule {
  /** the first SEED of each clerk's random child */
  clientSeeds: number[];
  /** in time order; `at` = ms after the clerks start */
  events: NemesisEvent[];
}

export function nemesisSchedule(seed: number, o: { seconds: number; clients: number; orders: number }): Schedule {
  const rnd = mulberry32(seed);
  const seed31 = () => Math.floor(rnd() * 2 ** 31);
  const clientSeeds = Array.from({ length: o.clients }, seed31);
  const events: NemesisEvent[] = [];
  let at = 0;
  for (;;) {
    // the same eight draws for every event
    const pause = 300 + rnd() * 1200;
    const r = rnd();
    const client = Math.floor(rnd() * o.clients);
    const p = rnd();
    const q = rnd();
    const seedA = seed31();
    const seedB = seed31();
    const order = Math.floor(rnd() * o.orders);
    at += pause;
    if (at >= o.seconds * 1000 - 1500) break;
    let e: NemesisEvent;
    if (r < 0.15) e = { at, kind: 'client kill -9', client, seed: seedA };
    else if (r < 0.25)
      e = {
        at,
        kind: 'client crash point',
        client,
        seed: seedA,
        crashAt: `${p < 0.5 ? 'page' : 'push'}:${1 + Math.floor(q * 4)}`,
        afterSeed: seedB,
      };
    else if (r < 0.33) e = { at, kind: 'head office kill -9', restartMs: p * 1000 };
    else if (r < 0.47) e = { at, kind: 'lost ack', client };
    else if (r < 0.56) e = { at, kind: 'link cut', client, downMs: 300 + p * 1500 };
    else if (r < 0.65) e = { at, kind: 'silent link reset', client };
    else if (r < 0.74) e = { at, kind: 'backends terminated' };
    else e = { at, kind: 'hq REST edit', order, remarks: Math.floor(q * 1e6) };
    events.push(e);
    // the time the event itself takes by design, so the next one is not drawn into it
    if (e.kind === 'link cut') at += e.downMs;
    else if (e.kind === 'silent link reset') at += 1000;
    else if (e.kind === 'head office kill -9') at += e.restartMs;
  }
  return { clientSeeds, events };
}

/** A short fingerprint of a schedule, printed with each run: the same seed prints the same one. */
export function scheduleFingerprint(s: Schedule): string {
  return createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 12);
}
