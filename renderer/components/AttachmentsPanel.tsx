// The order's photos and PDFs in the detail drawer: list, add (picker or drop), open, remove. The list comes from
// the mirror and so shows offline; adding, opening and removing go to the head office, so they wait for the
// connection. Size and name are checked here first so a clerk is not kept waiting for a refusal of a 30 MB file.
import { type DragEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ALLOWED_ATTACHMENT_TYPES,
  ATTACHMENT_ACCEPT,
  attachmentNameAllowed,
  MAX_ATTACHMENT_BYTES,
} from '../../domain/attachments.js';
import type { ApiError, AttachmentMeta } from '../../domain/client-api.js';
import { formatStamp } from '../../domain/order-view.js';
import { can } from '../../domain/roles.js';
import { errorText } from '../i18n/index.js';
import { fileBlob, saveFile, tryCall } from '../platform/api.js';
import { useSession } from '../stores/session.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

interface Preview {
  id: string;
  url: string;
  kind: 'image' | 'pdf';
}

export function AttachmentsPanel({
  orderId,
  attachments,
  onChanged,
}: {
  orderId: string;
  attachments: AttachmentMeta[];
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const user = useSession((s) => s.session?.user);
  const offline = useSync((s) => s.state?.status === 'offline');
  const role = user?.role ?? 'INSTALLER';
  const mayAdd = can(role, 'orders.attachments');
  const mayRemove = can(role, 'orders.attachments.delete');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const picker = useRef<HTMLInputElement>(null);

  // a blob URL holds the file in memory until revoked
  useEffect(() => () => (preview ? URL.revokeObjectURL(preview.url) : undefined), [preview]);

  function describe(e: ApiError, fileName = ''): string {
    if (e.code === 'OFFLINE') return t('attachments.offline');
    if (e.code === 'VALIDATION' && e.field === 'file')
      return t('attachments.tooBig', { name: fileName, maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024 });
    if (e.code === 'VALIDATION' && e.field === 'fileName') return t('attachments.typeNotAllowed', { name: fileName });
    // the head office's refusal (e.g. content that is not what its name says) comes in the user's language
    return errorText(e);
  }

  async function add(files: FileList | File[]) {
    setError(null);
    const list = [...files];
    // refuse locally what the head office would refuse anyway, naming the file and why
    for (const f of list) {
      if (f.size > MAX_ATTACHMENT_BYTES) {
        setError(t('attachments.tooBig', { name: f.name, maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024 }));
        return;
      }
      if (!attachmentNameAllowed(f.name)) {
        setError(t('attachments.typeNotAllowed', { name: f.name }));
        return;
      }
    }
    setBusy(true);
    try {
      for (const f of list) {
        const r = await tryCall('attachments:upload', { orderId, fileName: f.name, file: await toBase64(f) });
        if (!r.ok) {
          setError(describe(r.error, f.name));
          return;
        }
        useUi.getState().toast('success', t('attachments.added', { name: f.name }));
      }
    } finally {
      setBusy(false);
      onChanged();
    }
  }

  async function open(a: AttachmentMeta) {
    setError(null);
    setBusy(true);
    try {
      const r = await tryCall('attachments:open', { orderId, attachmentId: a.id });
      if (!r.ok) {
        setError(describe(r.error));
        return;
      }
      const kind = a.fileType === 'application/pdf' ? 'pdf' : a.fileType.startsWith('image/') ? 'image' : null;
      // HEIC is not shown by browsers: offered for saving like anything the shell cannot preview
      const blob =
        kind && a.fileType !== 'image/heic' && a.fileType !== 'image/heif' ? await fileBlob(r.value.fileId) : null;
      if (blob && kind) setPreview({ id: a.id, url: URL.createObjectURL(blob), kind });
      else await saveFile(r.value.fileId, r.value.fileName);
    } finally {
      setBusy(false);
    }
  }

  async function save(a: AttachmentMeta) {
    setError(null);
    const r = await tryCall('attachments:open', { orderId, attachmentId: a.id });
    if (!r.ok) setError(describe(r.error));
    else await saveFile(r.value.fileId, r.value.fileName);
  }

  async function remove(a: AttachmentMeta) {
    setError(null);
    setBusy(true);
    try {
      const r = await tryCall('attachments:delete', { orderId, attachmentId: a.id });
      if (!r.ok) setError(describe(r.error));
      else {
        if (preview?.id === a.id) setPreview(null);
        useUi.getState().toast('success', t('attachments.removed', { name: a.fileName }));
      }
    } finally {
      setConfirming(null);
      setBusy(false);
      onChanged();
    }
  }

  const uploader = (a: AttachmentMeta) =>
    a.uploadedBy && a.uploadedBy === user?.id ? t('attachments.me') : (a.uploadedByName ?? '—');
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (!offline && !busy && mayAdd && e.dataTransfer.files.length > 0) void add(e.dataTransfer.files);
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target; the keyboard path is the attach button
    <section
      className={`attachments${dragging ? ' drop-over' : ''}`}
      data-testid="attachments"
      onDragOver={(e) => {
        if (!mayAdd || offline) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <div className="attachments-head">
        <h3>{t('detail.attachments')}</h3>
        {mayAdd && (
          <>
            <input
              ref={picker}
              type="file"
              hidden
              multiple
              accept={ATTACHMENT_ACCEPT}
              data-testid="attachment-input"
              onChange={(e) => {
                if (e.target.files?.length) void add(e.target.files);
                e.target.value = '';
              }}
            />
            <button
              type="button"
              className="btn"
              disabled={offline || busy}
              data-testid="attachment-add"
              onClick={() => picker.current?.click()}
            >
              {busy ? t('attachments.working') : t('attachments.add')}
            </button>
          </>
        )}
      </div>
      {offline && <p className="hint">{t('attachments.offlineNote')}</p>}
      {mayAdd && !offline && <p className="hint drop-note">{t('attachments.dropHint')}</p>}
      {error && (
        <p className="form-error" role="alert" data-testid="attachment-error">
          {error}
        </p>
      )}
      {attachments.length === 0 ? (
        <p className="muted">{t('detail.noneYet')}</p>
      ) : (
        <table className="table compact" data-testid="attachment-list">
          <thead>
            <tr>
              <th>{t('attachments.name')}</th>
              <th>{t('attachments.type')}</th>
              <th className="num">{t('detail.size')}</th>
              <th>{t('attachments.uploadedAt')}</th>
              <th>{t('attachments.uploadedBy')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {attachments.map((a) => (
              <tr key={a.id}>
                <td>
                  <button
                    type="button"
                    className="btn link"
                    disabled={offline || busy}
                    onClick={() => void open(a)}
                    title={t('attachments.open')}
                  >
                    {a.fileName}
                  </button>
                </td>
                <td>{ALLOWED_ATTACHMENT_TYPES[a.fileType]?.label ?? a.fileType}</td>
                <td className="num nowrap">{formatSize(a.fileSize)}</td>
                <td>{formatStamp(a.uploadedAt)}</td>
                <td>{uploader(a)}</td>
                <td className="row-actions">
                  <button type="button" className="btn link" disabled={offline || busy} onClick={() => void save(a)}>
                    {t('attachments.save')}
                  </button>
                  {mayRemove &&
                    (confirming === a.id ? (
                      <span className="confirm" role="alert">
                        {t('attachments.confirmRemove', { name: a.fileName })}{' '}
                        <button
                          type="button"
                          className="btn danger"
                          disabled={offline || busy}
                          onClick={() => void remove(a)}
                        >
                          {t('common.delete')}
                        </button>{' '}
                        <button type="button" className="btn ghost" onClick={() => setConfirming(null)}>
                          {t('common.cancel')}
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="btn link"
                        disabled={offline || busy}
                        onClick={() => setConfirming(a.id)}
                      >
                        {t('attachments.remove')}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {preview && (
        <figure className="attachment-preview" data-testid="attachment-preview">
          {preview.kind === 'image' ? (
            <img src={preview.url} alt={attachments.find((a) => a.id === preview.id)?.fileName ?? ''} />
          ) : (
            <iframe src={preview.url} title={attachments.find((a) => a.id === preview.id)?.fileName ?? ''} />
          )}
          <figcaption>
            <button type="button" className="btn ghost" onClick={() => setPreview(null)}>
              {t('common.close')}
            </button>
          </figcaption>
        </figure>
      )}
    </section>
  );
}
