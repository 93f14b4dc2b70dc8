import { useTranslation } from 'react-i18next';
import { unreadBadge } from '../../domain/notifications.js';
import { type Action, can } from '../../domain/roles.js';
import { useSession } from '../stores/session.js';
import { type Screen, useUi } from '../stores/ui.js';

const ITEMS: Array<{ screen: Screen; icon: string; action?: Action }> = [
  { screen: 'orders', icon: '▦' },
  { screen: 'board', icon: '☷' },
  { screen: 'happyCalls', icon: '☎' },
  { screen: 'dashboard', icon: '◔' },
  { screen: 'customers', icon: '☺' },
  { screen: 'waste', icon: '♻' },
  { screen: 'notifications', icon: '✉' },
  { screen: 'settlements', icon: '₩' },
  { screen: 'exports', icon: '⇩' },
  { screen: 'notices', icon: '✆', action: 'notices.read' },
  { screen: 'noticeTemplates', icon: '✎', action: 'notices.templates' },
  { screen: 'branchSlots', icon: '◷', action: 'admin.reference' },
  { screen: 'sync', icon: '⇅' },
  { screen: 'settings', icon: '⚙' },
];

export function NavRail() {
  const { t } = useTranslation();
  const screen = useUi((s) => s.screen);
  const unread = useUi((s) => s.unread);
  const role = useSession((s) => s.session?.user.role);
  return (
    <nav className="navrail" aria-label="main">
      {ITEMS.filter((item) => !item.action || (role && can(role, item.action))).map((item) => (
        <button
          key={item.screen}
          type="button"
          className={item.screen === screen ? 'active' : ''}
          aria-current={item.screen === screen ? 'page' : undefined}
          data-testid={`nav-${item.screen}`}
          onClick={() => useUi.getState().go(item.screen)}
        >
          <span className="icon" aria-hidden>
            {item.icon}
          </span>
          <span className="label">{t(`nav.${item.screen}`)}</span>
          {item.screen === 'notifications' && unread > 0 && (
            <span className="nav-badge" data-testid="unread-badge">
              {unreadBadge(unread)}
            </span>
          )}
        </button>
      ))}
    </nav>
  );
}
