import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../domain/client-api.js';
import { errorText } from '../i18n/index.js';

/** What a screen shows when the head office (or the channel behind it) cannot answer. */
export function Unavailable({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="unavailable" role="alert" data-testid="unavailable">
      <div className="unavailable-icon" aria-hidden>
        ⚠
      </div>
      <p>
        <b>{t('common.unavailable')}</b>
      </p>
      <p className="muted">{t('common.unavailableDetail', { message: errorText(error) })}</p>
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}
