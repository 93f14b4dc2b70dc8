// The real orders grid (renderer/screens/OrdersGrid) with 100k orders in its store: how long from handing React
// the rows to the first painted frame with rows on screen.
import '@fontsource/nanum-gothic/korean-400.css';
import 'react-data-grid/lib/styles.css';
import '../../../renderer/styles/app.css';
import { createRoot } from 'react-dom/client';
import { initI18n } from '../../../renderer/i18n/index.js';
import { OrdersGrid } from '../../../renderer/screens/OrdersGrid.js';
import { useOrders } from '../../../renderer/stores/orders.js';
import { syntheticOrders } from '../synthetic-orders.js';

declare global {
  interface Window {
    benchResult?: {
      idleFramesMs: number;
      renderMs: number;
      rowsInDom: number;
      rows: number;
      filterMs: number;
      nextKeysMs: number;
    };
  }
}

const n = Number(new URLSearchParams(location.search).get('rows') ?? 100000);
initI18n('ko');
const rows = syntheticOrders(n);
useOrders.setState({ rows, loaded: true });
const t0 = performance.now();
// the app's frame (App.tsx): the grid lives in a bounded flex column, so only the visible rows are rendered
createRoot(document.getElementById('root')!).render(
  <div className="app">
    <div className="app-body">
      <main className="workspace">
        <OrdersGrid />
      </main>
    </div>
  </div>,
);
const waitRows = () =>
  new Promise<void>((resolve) => {
    const tick = () => (document.querySelector('.rdg-row') ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  });
await waitRows();
await new Promise((r) => requestAnimationFrame(() => r(null)));
const renderMs = performance.now() - t0;
// the grid builds its filter text in idle time after showing the rows; a clerk reads the grid before typing
await new Promise((r) => setTimeout(r, 1500));
// filter keystrokes on the customer column, each to the next painted frame: the first builds the column's
// lower-cased text, the next ones ("이서", "이서연") narrow the previous answer
const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))));
const typed: number[] = [];
const shownText = () => document.querySelector('[data-testid=grid-count]')?.textContent ?? '';
for (const text of ['이', '이서', '이서연']) {
  const before = shownText();
  const t = performance.now();
  useOrders.getState().setFilter('customerName', text);
  // the grid follows the input a moment later (useDeferredValue): wait for its new row count, then a frame
  for (let i = 0; i < 300 && shownText() === before; i++)
    await new Promise((r) => requestAnimationFrame(() => r(null)));
  await frame();
  typed.push(performance.now() - t);
}
// the same two frames with nothing to do: what waiting for frames alone costs on this machine
const ti = performance.now();
await frame();
const idleFramesMs = performance.now() - ti;
window.benchResult = {
  idleFramesMs,
  renderMs,
  rowsInDom: document.querySelectorAll('.rdg-row').length,
  rows: n,
  filterMs: typed[0]!,
  nextKeysMs: Math.max(typed[1]!, typed[2]!),
};
