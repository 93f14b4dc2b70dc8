import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, LOCALES, type Locale, setLocale } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useSession } from '../stores/session.js';

export function Login() {
  const { t, i18n } = useTranslation();
  const busy = useSession((s) => s.busy);
  const error = useSession((s) => s.error);
  const [serverUrl, setServerUrl] = useState(localStorage.getItem('dispatch.serverUrl') ?? 'http://127.0.0.1:8080');
  const [username, setUsername] = useState(localStorage.getItem('dispatch.username') ?? '');
  const [password, setPassword] = useState('');

  // the shell knows which head office it was started against; a server the clerk typed before wins
  useEffect(() => {
    if (localStorage.getItem('dispatch.serverUrl')) return;
    void tryCall('app:info', {}).then((r) => {
      if (r.ok && r.value.defaultServerUrl) setServerUrl(r.value.defaultServerUrl);
    });
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await useSession.getState().login(serverUrl.trim(), username.trim(), password);
    if (ok) setPassword('');
  }

  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit} aria-label={t('login.title')}>
        <h1>{t('app.title')}</h1>
        <h2>{t('login.title')}</h2>
        <label>
          <span>{t('login.serverUrl')}</span>
          <input
            name="serverUrl"
            type="url"
            required
            value={serverUrl}
            onChange={(e) => setServerUrl(e.target.value)}
            autoComplete="url"
          />
        </label>
        <label>
          <span>{t('login.username')}</span>
          <input
            name="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="username"
          />
        </label>
        <label>
          <span>{t('login.password')}</span>
          <input
            name="password"
            type="password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {t('login.failed', { message: errorText(error) })}
          </p>
        )}
        <button type="submit" className="btn primary wide" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
        <p className="hint">{t('login.offlineNote')}</p>
        <div className="login-lang">
          {LOCALES.map((l) => (
            <button
              key={l}
              type="button"
              className={`btn link ${i18n.language === l ? 'active' : ''}`}
              onClick={() => {
                localStorage.setItem('dispatch.locale', l);
                setLocale(l as Locale);
              }}
            >
              {l === 'ko' ? '한국어' : 'English'}
            </button>
          ))}
        </div>
      </form>
    </div>
  );
}
