// Vendor order sheet import: pick the file (it is read at once: the sheet with orders, its header row, the mapping
// saved for a sheet with these headers or guessed), check the vendor, the sheet and the column mapping, see the
// preview, every row-level error and what was mended (warnings), then import all or nothing. Another file starts
// the dialog over.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type ColumnMapping,
  IMPORT_FIELDS,
  IMPORT_LIMITS,
  type ImportPreview,
  type MappingPreset,
} from '../../domain/client-api.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useOrders } from '../stores/orders.js';
import { useProgress } from '../stores/progress.js';
import { useUi } from '../stores/ui.js';

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function ImportDialog() {
  const { t } = useTranslation();
  const [file, setFile] = useState<string | null>(null);
  const [fileName, setFileName] = useState('');
  const [vendor, setVendor] = useState('');
  const [presets, setPresets] = useState<MappingPreset[]>([]);
  const [mapping, setMapping] = useState<ColumnMapping | undefined>(undefined);
  const [sheet, setSheet] = useState<string | undefined>(undefined);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<null | 'reading' | 'importing'>(null);
  const close = () => useUi.getState().setImportOpen(false);
  // the services worker's report of this import's steps (reading the file, checking rows, writing)
  const progress = useProgress((s) => s.tasks.import);

  useEffect(() => {
    void tryCall('excel:presets', {}).then((r) => r.ok && setPresets(r.value));
  }, []);

  async function check(
    opts: { file?: string | null; vendor?: string; sheet?: string; mapping?: ColumnMapping | undefined } = {},
  ) {
    const f = opts.file ?? file;
    const v = (opts.vendor ?? vendor).trim();
    const sh = 'sheet' in opts ? opts.sheet : sheet;
    const m = 'mapping' in opts ? opts.mapping : mapping;
    if (!f) return;
    useProgress.getState().clear('import');
    setBusy('reading');
    setError(null);
    const r = await tryCall('excel:importPreview', {
      file: f,
      ...(v ? { vendor: v } : {}),
      ...(sh ? { sheet: sh } : {}),
      ...(m ? { mapping: m } : {}),
    });
    setBusy(null);
    if (!r.ok) {
      setError(errorText(r.error));
      setPreview(null);
      return;
    }
    setPreview(r.value);
    setMapping(r.value.mapping);
    setSheet(r.value.sheet);
    // a sheet recognised by its headers names its vendor
    if (!v && r.value.preset) setVendor(r.value.preset);
  }

  async function chooseFile(f: File) {
    // another file: nothing of the last one stays (its sheet, mapping, preview or errors)
    setFileName(f.name);
    setFile(null);
    setPreview(null);
    setMapping(undefined);
    setSheet(undefined);
    setError(null);
    if (f.size > IMPORT_LIMITS.fileBytes) {
      setError(t('excel.problems.tooLarge', { limit: `${IMPORT_LIMITS.fileBytes / 1024 / 1024} MB` }));
      return;
    }
    const data = await toBase64(f);
    setFile(data);
    await check({ file: data, sheet: undefined, mapping: undefined });
  }

  async function commit() {
    if (!file || !preview) return;
    useProgress.getState().clear('import');
    setBusy('importing');
    const r = await tryCall('excel:importCommit', {
      file,
      ...(vendor.trim() ? { vendor: vendor.trim() } : {}),
      ...(sheet ? { sheet } : {}),
      mapping: preview.mapping,
    });
    setBusy(null);
    if (!r.ok) {
      setError(errorText(r.error));
      return;
    }
    if (r.value.errors.length > 0 || r.value.conflicts.length > 0) {
      setPreview({ ...preview, errors: r.value.errors, warnings: r.value.warnings, conflicts: r.value.conflicts });
      return;
    }
    const { created, updated, queued } = r.value;
    useUi.getState().toast('success', t('excel.committed', { created, updated, queued }));
    void useOrders.getState().load();
    close();
  }

  async function savePreset() {
    if (!mapping || !vendor.trim()) return;
    const r = await tryCall('excel:savePreset', {
      vendor: vendor.trim(),
      mapping,
      headers: (preview?.headers ?? []).filter(Boolean),
    });
    if (r.ok) {
      useUi.getState().toast('success', t('excel.presetSaved'));
      const p = await tryCall('excel:presets', {});
      if (p.ok) setPresets(p.value);
    } else setError(errorText(r.error));
  }

  const blocked =
    !preview ||
    // a re-import changes existing orders: no vendor to name
    (preview.kind === 'vendor' && !vendor.trim()) ||
    preview.errors.length > 0 ||
    preview.conflicts.length > 0 ||
    preview.rowCount === 0;
  const hidden = new Set(preview?.hiddenHeaders ?? []);

  return (
    <div className="modal-backdrop">
      <div
        className="modal wide"
        role="dialog"
        aria-modal="true"
        aria-labelledby="import-title"
        data-testid="import-dialog"
      >
        <h2 id="import-title">{t('excel.importTitle')}</h2>
        <div className="form row">
          <label>
            <span>{t('excel.file')}</span>
            <input
              type="file"
              accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              data-testid="import-file"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void chooseFile(f);
              }}
            />
          </label>
          <label>
            <span>{t('excel.vendor')}</span>
            <input
              list="vendor-presets"
              value={vendor}
              data-testid="import-vendor"
              onChange={(e) => {
                // the vendor's saved mapping applies on the next check
                setVendor(e.target.value);
                setMapping(undefined);
              }}
            />
            <datalist id="vendor-presets">
              {presets.map((p) => (
                <option key={p.vendor} value={p.vendor} />
              ))}
            </datalist>
          </label>
          <button
            type="button"
            className="btn"
            disabled={!file || busy !== null}
            onClick={() => void check()}
            data-testid="import-check"
          >
            {t('excel.check')}
          </button>
        </div>
        {busy && <ProgressBar progress={progress} label={t(`excel.${busy}`)} testId="import-progress" />}
        {error && (
          <p className="form-error" role="alert" data-testid="import-error">
            {error}
          </p>
        )}
        {preview && (
          <div className="scroll">
            <p>
              <b>{fileName}</b> — {t('excel.rows', { rows: preview.rowCount, orders: preview.orderCount })}
              {preview.kind === 'reimport' && ` · ${t('excel.reimport', { count: preview.updates })}`}
            </p>
            <div className="form row">
              {preview.sheets.length > 1 && (
                <label>
                  <span>{t('excel.sheet')}</span>
                  <select
                    value={preview.sheet}
                    data-testid="import-sheet"
                    onChange={(e) => void check({ sheet: e.target.value, mapping: undefined })}
                  >
                    {preview.sheets.map((s) => (
                      <option key={s.name} value={s.name}>
                        {s.name} ({s.rows})
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <span className="muted small" data-testid="import-header-row">
                {t('excel.headerRowAt', { row: preview.headerRow })}
              </span>
            </div>
            {preview.preset && (
              <p className="muted small" data-testid="import-preset">
                {t('excel.presetApplied', { vendor: preview.preset })}
              </p>
            )}
            <h3>{t('excel.mapping')}</h3>
            <div className="mapping-grid">
              {IMPORT_FIELDS.map((f) => (
                <label key={f}>
                  <span>{t(`excel.fields.${f}`)}</span>
                  <select
                    value={preview.mapping[f] ?? ''}
                    data-testid={`import-map-${f}`}
                    onChange={(e) => {
                      const next = { ...preview.mapping };
                      if (e.target.value) next[f] = e.target.value;
                      else delete next[f];
                      setMapping(next);
                      void check({ mapping: next });
                    }}
                  >
                    <option value="">{t('excel.notMapped')}</option>
                    {[...new Set(preview.headers.filter(Boolean))].map((h) => (
                      <option key={h} value={h}>
                        {hidden.has(h) ? t('excel.hiddenColumn', { header: h }) : h}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
            </div>
            <button type="button" className="btn ghost" onClick={() => void savePreset()}>
              {t('excel.savePreset')}
            </button>
            {preview.errors.length > 0 && (
              <>
                <p className="form-error" role="alert" data-testid="import-errors-summary">
                  {t('excel.errors', { count: preview.errors.length })}
                </p>
                <RowProblems testId="import-errors" items={preview.errors} />
              </>
            )}
            {preview.warnings.length > 0 && (
              <>
                <p className="muted" data-testid="import-warnings-summary">
                  {t('excel.warnings', { count: preview.warnings.length })}
                </p>
                <RowProblems testId="import-warnings" items={preview.warnings} />
              </>
            )}
            {preview.conflicts.length > 0 && (
              <>
                <p className="form-error" role="alert" data-testid="import-conflicts">
                  {t('excel.conflicts', { count: preview.conflicts.length })}
                </p>
                <table className="table compact">
                  <thead>
                    <tr>
                      <th className="num">{t('excel.errorRow')}</th>
                      <th>{t('columns.orderNo')}</th>
                      <th>{t('excel.errorColumn')}</th>
                      <th>{t('excel.sheetValue')}</th>
                      <th>{t('excel.currentValue')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {preview.conflicts.flatMap((c) =>
                      c.fields.map((f) => (
                        <tr key={`${c.row}-${f.field}`}>
                          <td className="num">{c.row}</td>
                          <td>
                            {c.orderNo}{' '}
                            <span className="muted small">
                              {t('excel.conflictVersions', { exported: c.exportedVersion, current: c.currentVersion })}
                            </span>
                          </td>
                          <td>{f.field}</td>
                          <td>{f.sheet}</td>
                          <td>{f.current}</td>
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
              </>
            )}
            {preview.sample.length > 0 && (
              <>
                <h3>{t('excel.preview')}</h3>
                <table className="table compact">
                  <thead>
                    <tr>
                      {Object.keys(preview.sample[0]!).map((k) => (
                        <th key={k}>{t(`excel.fields.${k}`, { defaultValue: k })}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {preview.sample.map((r, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no identity of their own
                      <tr key={i}>
                        {Object.values(r).map((v, j) => (
                          // biome-ignore lint/suspicious/noArrayIndexKey: cells of a fixed column order
                          <td key={j}>{v}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </div>
        )}
        <div className="actions">
          <button type="button" className="btn ghost" onClick={close}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="btn primary"
            disabled={blocked || busy !== null}
            onClick={() => void commit()}
            data-testid="import-commit"
          >
            {t('excel.commit')}
          </button>
        </div>
      </div>
    </div>
  );
}

/** The sheet rows a preview refused or warned about (the first 200): sheet row, the vendor's column, the message. */
function RowProblems({ testId, items }: { testId: string; items: { row: number; column: string; message: string }[] }) {
  const { t } = useTranslation();
  return (
    <table className="table compact" data-testid={testId}>
      <thead>
        <tr>
          <th className="num">{t('excel.errorRow')}</th>
          <th>{t('excel.errorColumn')}</th>
          <th>{t('excel.errorMessage')}</th>
        </tr>
      </thead>
      <tbody>
        {items.slice(0, 200).map((p) => (
          <tr key={`${p.row}-${p.column}-${p.message}`}>
            <td className="num">{p.row}</td>
            <td>{p.column}</td>
            <td>{p.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
