// The attachment channels of the order detail (photos, signed receipts). Online only: a file of up to 20 MB is
// sent straight to the head office, never queued in the outbox, and the head office (which sniffs the content)
// has the last word on what is stored. The mirror only holds the metadata, so after an upload or a delete the
// answer is written into it at once and a pull is run, rather than leaving the list to the next timed pull.
// A handler module of its own (worker-protocol's handlerModules), served next to screen-handlers.ts.
import { writeFileSync } from 'node:fs';
import type { z } from 'zod';
import { ALLOWED_ATTACHMENT_TYPES, type AttachmentView, fileExtension } from '../../domain/attachments.js';
import type { ClientApi, ClientApiHandlers, OrderDetail } from '../../domain/client-api.js';
import type { HandlerModule } from '../services/worker-protocol.js';
import type { FileStore } from './file-store.js';
import { currentSession, fail, fileStoreOf, requireAction } from './handler-kit.js';
import { MirrorReads } from './mirror-reads.js';
import { asApiError, download } from './online.js';
import type { ScreenContext, SessionLike } from './session-like.js';

type AttachmentChannel = Extract<keyof ClientApi, `attachments:${string}`>;
type Args<C extends keyof ClientApi> = z.output<ClientApi[C]['args']>;

/** Like online(), but a link that is down says what it means here: attachments wait for the connection. */
async function headOffice<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = asApiError(e);
    if (err.code === 'OFFLINE')
      fail('OFFLINE', `Attachments need the connection to the head office, which is unreachable (${err.message}).`);
    throw err;
  }
}

/** The stored name with an extension that matches its type, so the preview and the saved file open as what they are. */
function localName(fileName: string, fileType: string): string {
  const extensions = ALLOWED_ATTACHMENT_TYPES[fileType]?.extensions;
  if (!extensions || extensions.includes(fileExtension(fileName))) return fileName;
  return `${fileName}.${extensions[0]}`;
}

export function createHandlers(ctx: ScreenContext): Record<string, (args: unknown) => Promise<unknown>> {
  const session = () => currentSession(ctx);
  const require = requireAction;
  let files: FileStore | null = null;
  const fileStore = (s: SessionLike) => (files ??= fileStoreOf(s));
  function orderOf(s: SessionLike, orderId: string) {
    const order = s.store.getOrder(orderId);
    if (!order) fail('NOT_FOUND', 'order not found', 'orderId');
    return order;
  }

  /** The mirror already shows the change; the pull brings the head office's own copy of the row (or tombstone). */
  async function shown(s: SessionLike, orderId: string): Promise<OrderDetail> {
    ctx.emit({ type: 'orders-changed', ids: [orderId] });
    await s.engine.syncNow().catch(() => undefined);
    return new MirrorReads(s.store.db).detail(orderOf(s, orderId));
  }

  const handlers: Pick<ClientApiHandlers, AttachmentChannel> = {
    async 'attachments:upload'({ orderId, fileName, file }: Args<'attachments:upload'>) {
      const s = session();
      require(s, 'orders.attachments');
      orderOf(s, orderId);
      const bytes = Buffer.from(file, 'base64');
      const form = new FormData();
      form.append('file', new Blob([bytes]), fileName);
      const a = await headOffice(() =>
        s.http.request<AttachmentView>('POST', `/api/orders/${orderId}/attachments`, {
          form,
          timeoutMs: 120_000,
        }),
      );
      s.store.db
        .prepare(
          `INSERT INTO attachments (id, order_id, order_created_at, file_name, file_type, file_size, uploaded_by, uploaded_at)
           VALUES (?, ?, (SELECT created_at FROM orders WHERE id = ?), ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
        )
        .run(a.id, a.orderId, a.orderId, a.fileName, a.fileType, a.fileSize, a.uploadedBy, a.uploadedAt);
      return shown(s, orderId);
    },

    async 'attachments:open'({ orderId, attachmentId }: Args<'attachments:open'>) {
      const s = session();
      require(s, 'orders.attachments');
      const row = s.store.db
        .prepare('SELECT file_name, file_type FROM attachments WHERE id = ? AND order_id = ?')
        .get(attachmentId, orderId) as { file_name: string; file_type: string } | undefined;
      if (!row) fail('NOT_FOUND', 'attachment not found', 'attachmentId');
      const bytes = await headOffice(() => download(s.http, `/api/orders/${orderId}/attachments/${attachmentId}`));
      const f = fileStore(s).reserve(localName(row.file_name, row.file_type));
      writeFileSync(f.path, bytes);
      return fileStore(s).ref(f.fileId);
    },

    async 'attachments:delete'({ orderId, attachmentId }: Args<'attachments:delete'>) {
      const s = session();
      require(s, 'orders.attachments.delete');
      orderOf(s, orderId);
      await headOffice(() => s.http.request('DELETE', `/api/orders/${orderId}/attachments/${attachmentId}`));
      s.store.db.prepare('DELETE FROM attachments WHERE id = ? AND order_id = ?').run(attachmentId, orderId);
      return shown(s, orderId);
    },
  };

  return handlers as unknown as Record<string, (args: unknown) => Promise<unknown>>;
}

// checked against the worker's HandlerContext, like screen-handlers.ts
export const handlerModule: HandlerModule = { createHandlers };
