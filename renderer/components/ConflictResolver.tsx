// Side by side "mine / head office" per field; nothing is chosen for the clerk, every field needs a decision.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Conflict } from '../../domain/client-api.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useOrders } from '../stores/orders.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';

export function showValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('line1' in o || 'city' in o) return [o.city, o.line1, o.line2].filter(Boolean).join(' ');
    if ('start' in o && 'end' in o) return `${String(o.start)} – ${String(o.end)}`;
    return JSON.stringify(v);
  }
  return String(v);
}

export function ConflictResolver({ conflict, onDone }: { conflict: Conflict; onDone?: () => void }) {
  const { t } = useTranslation();
  const [choices, setChoices] = useState<Record<string, 'mine' | 'theirs'>>({});
  const [busy, setBusy] = useState(false);
  const complete = conflict.fields.every((f) => choices[f.field]);
  const orderNo = useOrders((s) => s.rows.find((r) => r.id === conflict.entityId)?.orderNo);
  const setAll = (c: 'mine' | 'theirs') => setChoices(Object.fromEntries(conflict.fields.map((f) => [f.field, c])));

  async function resolve() {
    setBusy(true);
    const r = await tryCall('sync:resolve', { conflictId: conflict.id, choices });
    setBusy(false);
    if (!r.ok) {
      useUi.getState().toast('error', errorText(r.error));
      return;
    }
    useUi.getState().toast('success', t('sync.resolved'));
    await useSync.getState().refresh();
    await useSync.getState().loadIssues();
    onDone?.();
  }

  return (
    <div className="conflict" data-testid="conflict">
      <p className="muted">
        {orderNo ?? conflict.entityId} · {t(`sync.kinds.${conflict.kind}`, { defaultValue: conflict.kind })}
      </p>
      <table className="table conflict-table">
        <thead>
          <tr>
            <th>{t('sync.field')}</th>
            <th>{t('sync.mine')}</th>
            <th>{t('sync.theirs')}</th>
          </tr>
        </thead>
        <tbody>
          {conflict.fields.map((f) => (
            <tr key={f.field}>
              <td>{t(`columns.${f.field}`, { defaultValue: f.field })}</td>
              <td>
                <label className={`choice ${choices[f.field] === 'mine' ? 'on' : ''}`}>
                  <input
                    type="radio"
                    name={`${conflict.id}-${f.field}`}
                    checked={choices[f.field] === 'mine'}
                    onChange={() => setChoices({ ...choices, [f.field]: 'mine' })}
                    data-testid={`choose-mine-${f.field}`}
                  />
                  {showValue(f.mine)}
                </label>
              </td>
              <td>
                <label className={`choice ${choices[f.field] === 'theirs' ? 'on' : ''}`}>
                  <input
                    type="radio"
                    name={`${conflict.id}-${f.field}`}
                    checked={choices[f.field] === 'theirs'}
                    onChange={() => setChoices({ ...choices, [f.field]: 'theirs' })}
                    data-testid={`choose-theirs-${f.field}`}
                  />
                  {showValue(f.theirs)}
                </label>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" className="btn ghost" onClick={() => setAll('mine')}>
          {t('sync.allMine')}
        </button>
        <button type="button" className="btn ghost" onClick={() => setAll('theirs')}>
          {t('sync.allTheirs')}
        </button>
        <div className="spacer" />
        <button
          type="button"
          className="btn primary"
          disabled={!complete || busy}
          onClick={() => void resolve()}
          data-testid="conflict-resolve"
        >
          {t('sync.resolve')}
        </button>
      </div>
    </div>
  );
}
