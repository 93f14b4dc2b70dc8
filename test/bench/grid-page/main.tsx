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
    benchResult?: { renderMs: number; rowsInDom: number; rows: number; filterMs: number };
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
// one filter keystroke on the customer column, to the next painted frame
const t1 = performance.now();
useOrders.getState().setFilter('customerName', '김');
await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))));
const filterMs = performance.now() - t1;
window.benchResult = { renderMs, rowsInDom: document.querySelectorAll('.rdg-row').length, rows: n, filterMs };
