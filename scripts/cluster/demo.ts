// `npm run cluster:demo`: two head-office instances behind nginx on one PostgreSQL (embedded under
// .data/pg-cluster, with the demo data), its streaming replica for report reads (.data/pg-cluster-replica,
// REPORTS_DATABASE_URL of the instances) and one Redis (REDIS_URL, else a redis-server of its own). Ctrl-C stops it.
import { join } from 'node:path';
import { migrate } from '../../db/migrate.js';
import { dataRoot } from '../../db/pg/data-dir.js';
import { startEmbedded } from '../../db/pg/embedded.js';
import { startReplica } from '../../db/pg/replica.js';
import { seedDemo } from '../../db/seed/demo.js';
import { startCluster } from './cluster.js';

const port = Number(process.env.CLUSTER_PORT ?? 8088);
const db = await startEmbedded({ name: 'pg-cluster', port: Number(process.env.CLUSTER_PG_PORT ?? 54393) });
await migrate(db.url);
await seedDemo(db.url, { log: (m: string) => console.log(m) });
const replica = await startReplica(
  db.url,
  join(dataRoot, 'pg-cluster-replica'),
  Number(process.env.CLUSTER_REPLICA_PORT ?? 54394),
).catch(async (e) => {
  await db.stop();
  throw e;
});
const cluster = await startCluster({
  databaseUrl: db.url,
  workDir: join(dataRoot, 'cluster'),
  instances: Number(process.env.CLUSTER_INSTANCES ?? 2),
  redisUrl: process.env.REDIS_URL,
  port,
  env: { REPORTS_DATABASE_URL: replica.url },
}).catch(async (e) => {
  await replica.stop();
  await db.stop();
  throw e;
});
console.log(`nginx ${cluster.url} → ${cluster.instances.map((i) => `${i.name} ${i.url}`).join(', ')}`);
const hide = (url: string) => url.replace(/:[^:@/]*@/, ':***@');
console.log(
  `PostgreSQL ${hide(db.url)}, replica ${hide(replica.url)} (report reads); Redis ${cluster.redisUrl}; ` +
    `logs in ${join(dataRoot, 'cluster')}`,
);
console.log('demo logins hq, mgr.seoul, mgr.busan, coord, inst1 / demo1234 — Ctrl-C stops everything');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    cluster
      .stop()
      .then(() => replica.stop())
      .then(() => db.stop())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
