// Print preview: the sheets as they will print, with print (the shell's print dialog: Electron's webContents
// print or the browser's) and save as PDF (drawn by main/print with the bundled Korean font).
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, AssignmentSheet } from '../../domain/client-api.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { Unavailable } from '../components/Unavailable.js';
import { errorText } from '../i18n/index.js';
import { saveFile, tryCall } from '../platform/api.js';
import { SheetView } from '../print/SheetView.js';
import { useLookups } from '../stores/lookups.js';
import { useProgress } from '../stores/progress.js';
import { useUi } from '../stores/ui.js';

export function PrintPreview({ request }: { request: { date: string; installerIds?: string[] } }) {
  const { t } = useTranslation();
  const installers = useLookups((s) => s.installers);
  const [date, setDate] = useState(request.date);
  const [installerId, setInstallerId] = useState<string>(request.installerIds?.[0] ?? '');
  const [sheets, setSheets] = useState<AssignmentSheet[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const pdfProgress = useProgress((s) => s.tasks.print);
  const args = { date, ...(installerId ? { installerIds: [installerId] } : {}) };
  const key = JSON.stringify(args);

  useEffect(() => {
    let live = true;
    void tryCall('print:sheets', JSON.parse(key)).then((r) => {
      if (!live) return;
      if (r.ok) {
        setSheets(r.value);
        setError(null);
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [key]);

  useEffect(() => {
    document.body.classList.add('printing');
    return () => document.body.classList.remove('printing');
  }, []);

  async function savePdf() {
    setSaving(true);
    const r = await tryCall('print:pdf', JSON.parse(key)).finally(() => setSaving(false));
    if (!r.ok) {
      useUi.getState().toast('error', errorText(r.error));
      return;
    }
    const saved = await saveFile(r.value.fileId, r.value.fileName);
    if (saved) useUi.getState().toast('success', t('print.saved', { file: saved }));
  }

  return (
    <div
      className="print-overlay"
      role="dialog"
      aria-modal="true"
      aria-label={t('print.preview')}
      data-testid="print-preview"
    >
      <div className="print-toolbar no-print">
        <h2>{t('print.preview')}</h2>
        <input
          type="date"
          value={date}
          onChange={(e) => e.target.value && setDate(e.target.value)}
          aria-label={t('print.date')}
        />
        <select
          value={installerId}
          onChange={(e) => setInstallerId(e.target.value)}
          aria-label={t('print.installer')}
          data-testid="print-installer"
        >
          <option value="">{t('print.allInstallers')}</option>
          {installers.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
            </option>
          ))}
        </select>
        <div className="spacer" />
        <button type="button" className="btn" onClick={() => window.print()} data-testid="print-print">
          {t('print.print')}
        </button>
        {saving && (
          <ProgressBar progress={pdfProgress} label={t('progress.printing')} unit="none" testId="print-progress" />
        )}
        <button
          type="button"
          className="btn primary"
          onClick={() => void savePdf()}
          disabled={saving}
          data-testid="print-pdf"
        >
          {t('print.savePdf')}
        </button>
        <button type="button" className="btn ghost" onClick={() => useUi.getState().openPrint(null)}>
          {t('common.close')}
        </button>
      </div>
      <div className="print-pages">
        {error && <Unavailable error={error} />}
        {!sheets && !error && <ProgressBar progress={null} label={t('print.preview')} testId="print-loading" />}
        {sheets?.length === 0 && <p className="muted no-print">{t('print.noOrders')}</p>}
        {sheets?.map((s) => (
          <SheetView key={s.installer.id} sheet={s} />
        ))}
      </div>
    </div>
  );
}
