import { migrate } from '../migrate.js';
import { startDatabase } from '../pg/embedded.js';

const db = await startDatabase();
try {
  const applied = await migrate(db.url, { log: false });
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await db.stop();
}
