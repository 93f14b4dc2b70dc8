// Times every round trip of a pool's connections by statement kind (its first 40 characters), for the
// -direct benches. Wraps client.query on connect.
import type pg from 'pg';

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function timeStatements(pool: pg.Pool) {
  const timings = new Map<string, { n: number; ms: number }>();
  const wrapped = new WeakSet<object>();
  pool.on('connect', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as unknown as { query: unknown }).query = async (...a: unknown[]) => {
      const q = a[0] as string | { text: string };
      const text = typeof q === 'string' ? q : q.text;
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 40);
      const t = performance.now();
      try {
        return await query(...a);
      } finally {
        const s = timings.get(key) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - t;
        timings.set(key, s);
      }
    };
  });
  return {
    clear: () => timings.clear(),
    /** per unit of work (n of them), slowest first */
    print(n: number, unit: string) {
      for (const [k, s] of [...timings].sort((a, b) => b[1].ms - a[1].ms))
        console.log(`${(s.ms / n).toFixed(3)} ms/${unit}  ${String(s.n).padStart(6)}×  ${k}`);
    },
  };
}
