// A stand-in for the services worker that speaks its protocol (main/services/worker-protocol.ts) and, on
// `greedy:swallow`, keeps allocating like an import of a hostile file: what the memory cap must contain.
import { parentPort, threadId } from 'node:worker_threads';

const kept = [];
parentPort.postMessage({ type: 'ready', channels: ['greedy:ping', 'greedy:swallow'] });
parentPort.on('message', (msg) => {
  if (msg.type === 'close') {
    parentPort.postMessage({ type: 'closed' });
    return;
  }
  if (msg.channel === 'greedy:ping') {
    parentPort.postMessage({ type: 'result', id: msg.id, result: { ok: true, value: { threadId } } });
    return;
  }
  for (;;) kept.push(new Array(1_000_000).fill({ row: kept.length }));
});
