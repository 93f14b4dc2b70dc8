// The changes the head office refused, as the clerk knows orders: number, customer, what was tried and why, with
// open (the drawer), send again (after the cause was dealt with; checked locally again first — a new order or a
// split in its form first, to fix what was refused: ResendFixDialog) and drop. The sync screen lists them all; the
// order's drawer lists its own (OrderFailures).
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FailedOp } from '../../domain/client-api.js';
import { formatStamp } from '../../domain/order-view.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useOrders } from '../stores/orders.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';
import { triedText, whyText } from '../sync/failure-text.js';
import { ConflictResolver } from './ConflictResolver.js';
import { FIXED_IN_FORM, ResendFixDialog } from './ResendFixDialog.js';

function useFailureActions() {
  const { t } = useTranslation();
  const [error, setError] = useState<{ opId: string; text: string } | null>(null);
  const [fixing, setFixing] = useState<FailedOp | null>(null);
  const after = async () => {
    await useSync.getState().refresh();
    await useSync.getState().loadIssues();
    void useOrders.getState().load();
  };
  return {
    error,
    /** the form of a new order or split being fixed before it goes again */
    dialog: fixing && (
      <ResendFixDialog
        key={fixing.opId}
        failure={fixing}
        onClose={(sent) => {
          setFixing(null);
          if (sent) {
            useUi.getState().toast('success', t('failures.resent'));
            void after();
          }
        }}
      />
    ),
    async resend(f: FailedOp) {
      setError(null);
      if (FIXED_IN_FORM.has(f.kind)) {
        setFixing(f);
        return;
      }
      const r = await tryCall('sync:resendFailed', { opId: f.opId });
      // refused again here (the cause is still there): said next to the row, the failure stays
      if (!r.ok) setError({ opId: f.opId, text: errorText(r.error) });
      else useUi.getState().toast('success', t('failures.resent'));
      await after();
    },
    async drop(f: FailedOp) {
      setError(null);
      await tryCall('sync:discardFailed', { opId: f.opId });
      useUi.getState().toast('info', t('failures.dropped'));
      await after();
    },
  };
}

export function FailuresList() {
  const { t } = useTranslation();
  const failed = useSync((s) => s.failed);
  const actions = useFailureActions();
  if (failed.length === 0) return <p className="muted">{t('failures.none')}</p>;
  return (
    <>
      <p className="muted">{t('failures.intro')}</p>
      <table className="table" data-testid="failures-list">
        <thead>
          <tr>
            <th>{t('failures.orderNo')}</th>
            <th>{t('failures.customer')}</th>
            <th>{t('failures.tried')}</th>
            <th>{t('failures.why')}</th>
            <th>{t('failures.when')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {failed.map((f) => (
            <tr key={f.opId} data-testid="failure-row">
              <td>{f.order?.orderNo ?? t('failures.unknownOrder')}</td>
              <td>{f.order?.customerName ?? '—'}</td>
              <td>{triedText(f)}</td>
              <td>
                {whyText(f)}
                {actions.error?.opId === f.opId && (
                  <div className="form-error" role="alert" data-testid="failure-resend-error">
                    {actions.error.text}
                  </div>
                )}
              </td>
              <td>{formatStamp(f.createdAt)}</td>
              <td className="row-actions">
                {f.order && f.kind !== 'order.create' && (
                  <button
                    type="button"
                    className="btn ghost"
                    onClick={() => useUi.getState().openDetail(f.order!.id)}
                    data-testid="failure-open"
                  >
                    {t('failures.open')}
                  </button>
                )}
                {f.resendable && (
                  <button
                    type="button"
                    className="btn"
                    onClick={() => void actions.resend(f)}
                    data-testid="failure-resend"
                  >
                    {t('failures.resend')}
                  </button>
                )}
                <button
                  type="button"
                  className="btn ghost"
                  onClick={() => void actions.drop(f)}
                  data-testid="failure-drop"
                >
                  {t('failures.drop')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {actions.dialog}
    </>
  );
}

/**
 * The drawer's notice: this order's refused changes, until they are sent again or dropped, and its conflicts,
 * decided here as on the sync screen.
 */
export function OrderFailures({ orderId }: { orderId: string }) {
  const { t } = useTranslation();
  const failed = useSync((s) => s.failed).filter((f) => f.order?.id === orderId);
  const conflicts = useSync((s) => s.conflicts).filter((c) => c.order?.id === orderId);
  const actions = useFailureActions();
  if (failed.length === 0 && conflicts.length === 0) return null;
  return (
    <section className="failure-notice" role="alert" data-testid="order-failures">
      {conflicts.length > 0 && <h3>{t('sync.conflictDialogTitle')}</h3>}
      {conflicts.map((c) => (
        <div key={c.id} className="failure-item" data-testid="order-conflict">
          <ConflictResolver conflict={c} />
        </div>
      ))}
      {failed.length > 0 && <h3>{t('failures.drawerTitle')}</h3>}
      {failed.map((f) => (
        <div key={f.opId} className="failure-item">
          <p>
            <b>{triedText(f)}</b> — {whyText(f)}
          </p>
          {actions.error?.opId === f.opId && (
            <p className="form-error" data-testid="failure-resend-error">
              {actions.error.text}
            </p>
          )}
          <div className="actions">
            {f.resendable && (
              <button type="button" className="btn" onClick={() => void actions.resend(f)} data-testid="failure-resend">
                {t('failures.resend')}
              </button>
            )}
            <button type="button" className="btn ghost" onClick={() => void actions.drop(f)} data-testid="failure-drop">
              {t('failures.drop')}
            </button>
          </div>
        </div>
      ))}
      {actions.dialog}
    </section>
  );
}

/** Orders with a refused change or an unresolved conflict: the grid marks their rows. */
export function useIssueOrderIds(): { failed: ReadonlySet<string>; conflicted: ReadonlySet<string> } {
  const failed = useSync((s) => s.failed);
  const conflicts = useSync((s) => s.conflicts);
  return useMemo(
    () => ({
      failed: new Set(failed.flatMap((f) => (f.order ? [f.order.id] : []))),
      conflicted: new Set(conflicts.flatMap((c) => (c.order ? [c.order.id] : []))),
    }),
    [failed, conflicts],
  );
}

/** The grid's sync cell: refused (until dealt with), in conflict, or waiting to be sent. */
export function OrderSyncMarker({ id, pendingOps }: { id: string; pendingOps: number }) {
  const { t } = useTranslation();
  const issues = useIssueOrderIds();
  if (issues.failed.has(id))
    return (
      <span className="failed-badge" data-testid="failed-badge" title={t('failures.marker')}>
        ⚠
      </span>
    );
  if (pendingOps > 0)
    return (
      <span
        className={`pending-badge${issues.conflicted.has(id) ? ' conflicted' : ''}`}
        data-testid="pending-badge"
        title={issues.conflicted.has(id) ? t('failures.conflictMarker') : t('sync.pendingBadge')}
      >
        ●
      </span>
    );
  return null;
}
