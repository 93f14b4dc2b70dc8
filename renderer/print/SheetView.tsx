// One installer's daily assignment sheet as HTML: what print preview shows and what window.print() prints (A4,
// one installer per page). The PDF that "save as PDF" writes is drawn by main/print from the same AssignmentSheet.
import { toSVG } from 'bwip-js/browser';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { AssignmentSheet } from '../../domain/client-api.js';
import { formatStamp } from '../../domain/order-view.js';

function Barcode({ text }: { text: string }) {
  const src = useMemo(() => {
    try {
      const svg = toSVG({ bcid: 'code128', text, scale: 2, height: 9, includetext: false });
      return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    } catch {
      return null;
    }
  }, [text]);
  return src ? <img className="barcode" src={src} alt={text} /> : <span>{text}</span>;
}

export function SheetView({ sheet }: { sheet: AssignmentSheet }) {
  const { t } = useTranslation();
  return (
    <article className="sheet" data-testid={`sheet-${sheet.installer.name}`}>
      <header className="sheet-head">
        <h1>{t('print.title')}</h1>
        <table className="sheet-meta">
          <tbody>
            <tr>
              <th>{t('print.date')}</th>
              <td>{sheet.date}</td>
              <th>{t('print.installer')}</th>
              <td>
                {sheet.installer.name} {sheet.installer.phone ? `(${sheet.installer.phone})` : ''}
              </td>
            </tr>
            <tr>
              <th>{t('print.branch')}</th>
              <td>{sheet.branchName ?? ''}</td>
              <th>{t('print.orders')}</th>
              <td>{t('print.count', { count: sheet.orders.length })}</td>
            </tr>
          </tbody>
        </table>
      </header>
      {sheet.orders.length === 0 && <p>{t('print.noOrders')}</p>}
      {sheet.orders.length > 0 && (
        <section className="sheet-stops">
          <h2>{t('print.stops')}</h2>
          <table className="sheet-fields">
            <thead>
              <tr>
                <th>{t('print.no')}</th>
                <th>{t('print.window')}</th>
                <th>{t('print.customer')}</th>
                <th>{t('print.address')}</th>
                <th>{t('print.phone')}</th>
                <th>{t('print.items')}</th>
                <th>{t('print.pickups')}</th>
              </tr>
            </thead>
            <tbody>
              {sheet.orders.map((o, i) => (
                <tr key={o.id}>
                  <td>{i + 1}</td>
                  <td>{o.timeWindow || '—'}</td>
                  <td>{o.customerName}</td>
                  <td>{o.shortAddress}</td>
                  <td>{[o.customerPhone, o.customerPhone2].filter(Boolean).join(' · ')}</td>
                  <td>{o.items.map((it) => `${it.itemName} × ${it.quantity}`).join(', ')}</td>
                  <td>{o.pickups.map((p) => `${p.code} ${p.nameKo} × ${p.quantity}`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {sheet.orders.map((o, i) => (
        <section className="sheet-order" key={o.id}>
          <div className="sheet-order-head">
            <span className="sheet-n">{i + 1}</span>
            <div className="sheet-barcode">
              <Barcode text={o.orderNo} />
              <div className="sheet-orderno">{o.orderNo}</div>
            </div>
            <div className="sheet-window">
              <span className="label">{t('print.window')}</span> <b>{o.timeWindow || '—'}</b>
            </div>
          </div>
          <table className="sheet-fields">
            <tbody>
              <tr>
                <th>{t('print.customer')}</th>
                <td>{o.customerName}</td>
                <th>{t('print.status')}</th>
                <td>{t(`status.${o.status}`)}</td>
              </tr>
              <tr>
                <th>{t('print.phone')}</th>
                <td>{o.customerPhone ?? ''}</td>
                <th>{t('print.phone2')}</th>
                <td>{o.customerPhone2 ?? ''}</td>
              </tr>
              <tr>
                <th>{t('print.address')}</th>
                <td colSpan={3}>{o.address}</td>
              </tr>
              <tr>
                <th>{t('print.items')}</th>
                <td colSpan={3}>
                  {o.items.map((it) => (
                    <div key={`${it.itemCode}-${it.itemName}`}>
                      {it.itemName} ({it.itemCode}) × {it.quantity}
                    </div>
                  ))}
                </td>
              </tr>
              <tr>
                <th>{t('print.serials')}</th>
                <td colSpan={3}>
                  {o.items.map((it) => (
                    <div key={`s-${it.itemCode}-${it.itemName}`} className="serial-line">
                      <span>
                        {it.itemName} ({it.itemCode}) × {it.quantity}
                        {it.requiresSerial ? ` · ${t('print.serialRequired')}` : ''}
                      </span>
                      <span className="serial-boxes">
                        {Array.from({ length: Math.min(it.quantity, 12) }, (_, n) => (
                          // biome-ignore lint/suspicious/noArrayIndexKey: empty boxes, one per unit
                          <span key={n} className="serial-box">
                            {n + 1}
                          </span>
                        ))}
                      </span>
                    </div>
                  ))}
                </td>
              </tr>
              <tr>
                <th>{t('print.notes')}</th>
                <td colSpan={3}>{o.remarks ?? ''}</td>
              </tr>
              <tr>
                <th>{t('print.pickups')}</th>
                <td colSpan={3}>
                  {o.pickups.map((p) => (
                    <div key={p.code}>
                      {p.code} {p.nameKo} × {p.quantity}
                    </div>
                  ))}
                </td>
              </tr>
            </tbody>
          </table>
          <div className="sheet-sign">
            <div className="sheet-done">
              <span className="tick-box" /> <b>{t('print.done')}</b>
            </div>
            <div>
              <span className="label">{t('print.signature')}</span>
              <div className="sign-box" />
            </div>
          </div>
        </section>
      ))}
      <footer className="sheet-foot">{t('print.generated', { at: formatStamp(sheet.generatedAt) })}</footer>
    </article>
  );
}
