// npm run db:seed -- --demo
// npm run db:seed -- --orders N [--branches B] [--seed S] [--no-vacuum]
// Writes to DATABASE_URL, else the embedded cluster under .data/pg; migrates first.
import { startDatabase } from '../pg/embedded.js';
import { DatabaseNotEmptyError, seedDemo } from '../seed/demo.js';
import { type GenerateResult, generate } from '../seed/generate.js';

const USAGE = `usage: npm run db:seed -- --demo
       npm run db:seed -- --orders N [--branches B] [--seed S] [--no-vacuum]`;

function fail(message: string): never {
  console.error(`db:seed: ${message}\n${USAGE}`);
  process.exit(2);
}

function parse(argv: string[]) {
  const opts: { demo: boolean; orders?: number; branches?: number; seed?: number; vacuum: boolean } = {
    demo: false,
    vacuum: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (name: string, min: number) => {
      const v = argv[++i];
      if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < min) fail(`${name} needs an integer ≥ ${min}`);
      return Number(v);
    };
    if (a === '--demo') opts.demo = true;
    else if (a === '--orders') opts.orders = int('--orders', 1);
    else if (a === '--branches') opts.branches = int('--branches', 2);
    else if (a === '--seed') opts.seed = int('--seed', 0);
    else if (a === '--no-vacuum') opts.vacuum = false;
    else fail(`unknown argument ${a}`);
  }
  if (opts.demo === (opts.orders !== undefined)) fail('give either --demo or --orders N');
  if (opts.demo && (opts.branches !== undefined || opts.seed !== undefined)) fail('--demo takes no other options');
  return opts;
}

function report(r: GenerateResult) {
  const width = Math.max(...Object.keys(r.rows).map((k) => k.length));
  for (const [table, n] of Object.entries(r.rows))
    console.log(`  ${table.padEnd(width)} ${n.toLocaleString('en').padStart(12)}`);
  console.log(
    `loaded ${r.totalRows.toLocaleString('en')} rows in ${r.loadSeconds.toFixed(1)} s: ` +
      `${Math.round(r.rowsPerSecond).toLocaleString('en')} rows/s` +
      (r.vacuumSeconds
        ? `; VACUUM (ANALYZE) ${r.vacuumSeconds.toFixed(1)} s, total ${(r.loadSeconds + r.vacuumSeconds).toFixed(1)} s`
        : ''),
  );
}

const opts = parse(process.argv.slice(2));
const db = await startDatabase();
let exitCode = 0;
try {
  if (opts.demo) {
    const out = await seedDemo(db.url, { log: console.log });
    if (out.status === 'present') console.log('demo data already present (user hq exists): nothing to do');
    else {
      console.log('demo data loaded; logins hq, mgr.seoul, mgr.busan, coord, inst1 (password demo1234)');
      report(out.result);
    }
  } else {
    console.log(
      `generating ${opts.orders!.toLocaleString('en')} orders, ${opts.branches ?? 10} branches, seed ${opts.seed ?? 1}`,
    );
    report(
      await generate(db.url, {
        orders: opts.orders!,
        branches: opts.branches,
        seed: opts.seed,
        notifyDays: 60,
        skipVacuum: !opts.vacuum,
        log: console.log,
      }),
    );
  }
} catch (e) {
  if (e instanceof DatabaseNotEmptyError) {
    console.error(`db:seed: ${e.message}`);
    exitCode = 3;
  } else throw e;
} finally {
  await db.stop();
}
// tsx does not pass process.exitCode on, so exit explicitly.
process.exit(exitCode);
