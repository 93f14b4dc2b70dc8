import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { ConflictDialog } from './components/ConflictDialog.js';
import { NavRail } from './components/NavRail.js';
import { TaskProgressDock } from './components/ProgressBar.js';
import { SyncBanner } from './components/SyncBanner.js';
import { Toasts } from './components/Toasts.js';
import { TopBar } from './components/TopBar.js';
import { useGridViews } from './grid/views.js';
import { setLocale } from './i18n/index.js';
import { api, tryCall } from './platform/api.js';
import { AssignmentBoard } from './screens/AssignmentBoard.js';
import { BranchSlots } from './screens/BranchSlots.js';
import { CustomerHistory } from './screens/CustomerHistory.js';
import { Dashboard } from './screens/Dashboard.js';
import { ExportsScreen } from './screens/ExportsScreen.js';
import { HappyCalls } from './screens/HappyCalls.js';
import { ImportDialog } from './screens/ImportDialog.js';
import { Login } from './screens/Login.js';
import { NoticesScreen } from './screens/NoticesScreen.js';
import { NoticeTemplates } from './screens/NoticeTemplates.js';
import { Notifications } from './screens/Notifications.js';
import { OrderDetailPanel } from './screens/OrderDetail.js';
import { OrdersGrid } from './screens/OrdersGrid.js';
import { PrintPreview } from './screens/PrintPreview.js';
import { Settings } from './screens/Settings.js';
import { Settlements } from './screens/Settlements.js';
import { SyncScreen } from './screens/SyncScreen.js';
import { WasteTotals } from './screens/WasteTotals.js';
import { useLookups } from './stores/lookups.js';
import { useOrders } from './stores/orders.js';
import { useProgress } from './stores/progress.js';
import { useSession } from './stores/session.js';
import { useSync } from './stores/sync.js';
import { useUi } from './stores/ui.js';

function Workspace() {
  const screen = useUi((s) => s.screen);
  switch (screen) {
    case 'orders':
      return <OrdersGrid />;
    case 'board':
      return <AssignmentBoard />;
    case 'happyCalls':
      return <HappyCalls />;
    case 'dashboard':
      return <Dashboard />;
    case 'customers':
      return <CustomerHistory />;
    case 'waste':
      return <WasteTotals />;
    case 'notifications':
      return <Notifications />;
    case 'settlements':
      return <Settlements />;
    case 'exports':
      return <ExportsScreen />;
    case 'notices':
      return <NoticesScreen />;
    case 'noticeTemplates':
      return <NoticeTemplates />;
    case 'branchSlots':
      return <BranchSlots />;
    case 'sync':
      return <SyncScreen />;
    case 'settings':
      return <Settings />;
  }
}

export function App() {
  const { t } = useTranslation();
  const session = useSession((s) => s.session);
  const checked = useSession((s) => s.checked);
  const detailId = useUi((s) => s.detailId);
  const print = useUi((s) => s.print);
  const importOpen = useUi((s) => s.importOpen);

  useEffect(() => {
    void useSession.getState().restore();
  }, []);

  useEffect(() => {
    if (!session) return;
    if (session.user.locale && !localStorage.getItem('dispatch.locale')) setLocale(session.user.locale);
    void useGridViews.getState().load();
    void useOrders.getState().load();
    void useLookups.getState().load();
    void useSync.getState().refresh();
    void tryCall('notifications:list', { unreadOnly: true }).then(
      (r) => r.ok && useUi.getState().setUnread(r.value.length),
    );
    let reloadTimer: ReturnType<typeof setTimeout> | null = null;
    const off = api().onEvent((event) => {
      if (event.type === 'sync-state') {
        const before = useSync.getState().state?.lastSyncAt;
        useSync.getState().setState(event.state);
        // reference data (installers, reason codes…) arrives with pulls too: the first sync fills it
        if (event.state.lastSyncAt !== before) void useLookups.getState().load();
      }
      if (event.type === 'notifications-changed') useUi.getState().setUnread(event.unread);
      if (event.type === 'progress') useProgress.getState().report(event.progress);
      if (event.type === 'orders-changed') {
        // bursts of changes (a pulled page, an applied batch) reload once
        if (reloadTimer) clearTimeout(reloadTimer);
        reloadTimer = setTimeout(() => void useOrders.getState().load(), 150);
      }
    });
    // the event stream is the fast path; a slow poll keeps the indicator honest if a stream drops
    const poll = setInterval(() => void useSync.getState().refresh(), 5000);
    return () => {
      off();
      clearInterval(poll);
      if (reloadTimer) clearTimeout(reloadTimer);
    };
  }, [session]);

  if (!checked) return <div className="splash">{t('common.loading')}</div>;
  if (!session) return <Login />;
  return (
    <div className="app">
      <TopBar />
      <SyncBanner />
      <div className="app-body">
        <NavRail />
        <main className="workspace">
          <Workspace />
        </main>
        {/* keyed: another order is a fresh drawer, never a form still bound to the previous one */}
        {detailId && <OrderDetailPanel key={detailId} id={detailId} />}
      </div>
      {print && <PrintPreview request={print} />}
      {importOpen && <ImportDialog />}
      <ConflictDialog />
      <TaskProgressDock tasks={['export']} />
      <Toasts />
    </div>
  );
}
