import { useTranslation } from 'react-i18next';
import { LOCALES, type Locale, setLocale } from '../i18n/index.js';
import { useLookups } from '../stores/lookups.js';
import { useSession } from '../stores/session.js';
import { SyncIndicator } from './SyncIndicator.js';

export function TopBar() {
  const { t, i18n } = useTranslation();
  const session = useSession((s) => s.session)!;
  const user = session.user;
  const branch = useLookups((s) => s.branches.find((b) => b.id === user.branchId));
  return (
    <header className="topbar">
      <div className="brand">{t('app.title')}</div>
      <div className="topbar-info">
        <span className="pill" data-testid="branch">
          {t('top.branch')}:{' '}
          <b>{user.branchId ? (user.branchName ?? branch?.name ?? user.branchCode ?? '…') : t('top.hq')}</b>
        </span>
        <span className="pill" data-testid="user">
          {user.fullName} <span className="muted">({user.username})</span>
        </span>
        {session.offline && (
          <span className="pill warn" title={t('login.offlineSession')} data-testid="offline-session">
            {t('top.offlineSession')}
          </span>
        )}
      </div>
      <div className="topbar-right">
        <SyncIndicator />
        <label className="lang">
          <span className="sr-only">{t('top.language')}</span>
          <select
            aria-label={t('top.language')}
            value={i18n.language}
            onChange={(e) => {
              const l = e.target.value as Locale;
              localStorage.setItem('dispatch.locale', l);
              setLocale(l);
            }}
          >
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {l === 'ko' ? '한국어' : 'English'}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn ghost" onClick={() => void useSession.getState().logout()}>
          {t('top.logout')}
        </button>
      </div>
    </header>
  );
}
