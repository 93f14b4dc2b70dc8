import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncWindowSetting } from '../../domain/client-api.js';
import { defaultLayout } from '../grid/layout.js';
import { LOCALES, type Locale, setLocale } from '../i18n/index.js';
import { shellKind, tryCall } from '../platform/api.js';
import { useOrders } from '../stores/orders.js';
import { useSession } from '../stores/session.js';
import { useUi } from '../stores/ui.js';

/** The window's months a clerk may choose (the head office accepts 1–60). */
const WINDOW_CHOICES = [1, 2, 3, 6, 12, 24];

export function Settings() {
  const { t, i18n } = useTranslation();
  const session = useSession((s) => s.session);
  const [window, setWindow] = useState<SyncWindowSetting | null>(null);
  useEffect(() => {
    if (!session) return;
    void tryCall('settings:syncWindow', {}).then((r) => r.ok && setWindow(r.value));
  }, [session]);
  return (
    <section className="screen padded" aria-label={t('settings.title')}>
      <header className="screen-head">
        <h1>{t('settings.title')}</h1>
      </header>
      <div className="card form narrow-form">
        <label>
          <span>{t('settings.language')}</span>
          <select
            value={i18n.language}
            onChange={(e) => {
              localStorage.setItem('dispatch.locale', e.target.value);
              setLocale(e.target.value as Locale);
            }}
          >
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {l === 'ko' ? '한국어' : 'English'}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('settings.serverUrl')}</span>
          <input
            type="url"
            defaultValue={localStorage.getItem('dispatch.serverUrl') ?? session?.serverUrl ?? ''}
            onBlur={(e) => {
              localStorage.setItem('dispatch.serverUrl', e.target.value.trim());
              useUi.getState().toast('success', t('settings.saved'));
            }}
          />
          <small className="muted">{t('settings.serverHelp')}</small>
        </label>
        {window && (
          <label>
            <span>{t('settings.syncWindow')}</span>
            <select
              value={window.months}
              data-testid="sync-window"
              onChange={async (e) => {
                const r = await tryCall('settings:syncWindow', { months: Number(e.target.value) });
                if (r.ok) {
                  setWindow(r.value);
                  useUi.getState().toast('success', t('settings.saved'));
                } else useUi.getState().toast('error', r.error.message);
              }}
            >
              {[...new Set([...WINDOW_CHOICES, window.months])]
                .sort((a, b) => a - b)
                .map((m) => (
                  <option key={m} value={m}>
                    {t('settings.syncWindowMonths', { count: m })}
                  </option>
                ))}
            </select>
            <small className="muted">{t('settings.syncWindowHelp')}</small>
          </label>
        )}
        <div>
          <span className="label">{t('settings.layout')}</span>
          <button type="button" className="btn" onClick={() => useOrders.getState().setLayout(defaultLayout())}>
            {t('settings.resetLayout')}
          </button>
        </div>
        <dl className="facts">
          <dt>{t('settings.shell')}</dt>
          <dd>{shellKind() === 'electron' ? t('settings.electron') : t('settings.browser')}</dd>
          <dt>{t('settings.serverUrl')}</dt>
          <dd>{session?.serverUrl}</dd>
        </dl>
      </div>
    </section>
  );
}
