// Loads the TypeScript worker entry when the services run from sources (tsx, tests): a worker thread starts
// without the parent's loader. A build ships worker-entry.js and the host starts that instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker-entry.ts');
