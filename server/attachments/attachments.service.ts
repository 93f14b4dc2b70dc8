// Files on an order (delivery photos, signed receipts). What a file is comes from its bytes, never from its name
// or the browser's Content-Type: only images (JPEG, PNG, WebP, HEIC) and PDF are kept, and a name whose extension
// contradicts the content (an .exe renamed .pdf, text named .png) is refused. Access follows the order: row-level
// security on attachments is the order's, so another branch's attachment is a 404 like its order.
import { basename } from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import { v7 as uuidv7 } from 'uuid';
import { ALLOWED_ATTACHMENT_TYPES, type AttachmentView, fileExtension } from '../../domain/attachments.js';
import { authorize } from '../auth/authorize.js';
import { afterCommit } from '../db/after-commit.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { AppError, NotFoundError } from '../http/errors.js';
import { parseId } from '../http/validate.js';
import { requireOrder } from '../orders/orders.service.js';
import type { Storage } from '../storage/storage.js';
import type { AttachmentRecord } from './attachments.repository.js';
import * as repo from './attachments.repository.js';

export function unsupportedType(messageKey: string, params: Record<string, string> = {}): AppError {
  return new AppError(415, { code: 'UNSUPPORTED_MEDIA_TYPE', messageKey, params, field: 'file', details: params });
}

/** A name fit to store and to send back in Content-Disposition: no path, no control characters, ≤ 255. */
export function cleanFileName(name: string): string {
  const cleaned = basename(name.replace(/\\/g, '/'))
    .replace(/\p{Cc}/gu, '')
    .trim();
  if (cleaned.length <= 255) return cleaned || 'file';
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 255 - ext.length) + ext;
}

export interface CheckedFile {
  fileName: string;
  mime: string;
  buffer: Buffer;
}

/** The file's real type from its first bytes, or 415 naming `file`. */
export async function checkFile(originalName: string, buffer: Buffer): Promise<CheckedFile> {
  const fileName = cleanFileName(originalName);
  const sniffed = await fileTypeFromBuffer(buffer);
  if (!sniffed) throw unsupportedType('errors.attachments.typeUnknown');
  const allowed = ALLOWED_ATTACHMENT_TYPES[sniffed.mime];
  if (!allowed) throw unsupportedType('errors.attachments.typeNotAllowed', { detected: sniffed.ext.toUpperCase() });
  const ext = fileExtension(fileName);
  if (ext && !allowed.extensions.includes(ext)) {
    throw unsupportedType('errors.attachments.extensionMismatch', { ext, detected: allowed.label });
  }
  return { fileName, mime: sniffed.mime, buffer };
}

export type { AttachmentView };

export function toView(a: AttachmentRecord): AttachmentView {
  return {
    id: a.id,
    orderId: a.orderId,
    fileName: a.fileName,
    fileType: a.fileType,
    fileSize: a.fileSize,
    uploadedBy: a.uploadedBy,
    uploadedAt: a.uploadedAt.toISOString(),
    url: `/api/orders/${a.orderId}/attachments/${a.id}`,
  };
}

/** Where an attachment's bytes live: by its id only, so a failed upload can be cleaned up knowing just that. */
export function attachmentKey(id: string): string {
  return `attachments/${id}`;
}

export function newAttachmentId(): string {
  return uuidv7();
}

/**
 * Stores the file and its row in the caller's transaction: the order must be visible (404); the file is written
 * before the row commits. The caller removes attachmentKey(id) when the transaction fails (see the route).
 */
export async function addAttachment(
  tx: Tx,
  actor: Actor,
  orderId: unknown,
  file: CheckedFile,
  storage: Storage,
  id: string,
): Promise<AttachmentView> {
  authorize(actor, 'orders.attachments');
  const order = await requireOrder(tx, orderId);
  const storageKey = attachmentKey(id);
  const record = await repo.insertAttachment(tx, {
    id,
    orderId: order.id,
    fileName: file.fileName,
    fileType: file.mime,
    fileSize: file.buffer.length,
    storageKey,
    uploadedBy: actor.userId,
  });
  await storage.put(storageKey, file.buffer, { contentType: file.mime });
  return toView(record);
}

/** GET /api/orders/:id/attachments */
export async function listOrderAttachments(
  tx: Tx,
  actor: Actor,
  orderId: unknown,
): Promise<{ items: AttachmentView[] }> {
  authorize(actor, 'orders.attachments');
  const order = await requireOrder(tx, orderId);
  return { items: (await repo.listAttachments(tx, order.id)).map(toView) };
}

async function requireAttachment(tx: Tx, orderId: unknown, id: unknown): Promise<AttachmentRecord> {
  const oid = parseId(orderId);
  const aid = parseId(id, 'attachmentId');
  const found = await repo.findAttachment(tx, oid, aid);
  if (!found) throw new NotFoundError('attachment');
  return found;
}

/** GET /api/orders/:id/attachments/:attachmentId — the row to send (the route streams the bytes). */
export async function attachmentForDownload(
  tx: Tx,
  actor: Actor,
  orderId: unknown,
  id: unknown,
): Promise<AttachmentRecord> {
  authorize(actor, 'orders.attachments');
  return requireAttachment(tx, orderId, id);
}

/**
 * DELETE /api/orders/:id/attachments/:attachmentId. Attachments are never edited, so they carry no version;
 * the audit trigger keeps the deleted row. The file goes once the delete has committed.
 */
export async function removeAttachment(
  tx: Tx,
  actor: Actor,
  orderId: unknown,
  id: unknown,
  storage: Storage,
): Promise<undefined> {
  authorize(actor, 'orders.attachments.delete');
  const found = await requireAttachment(tx, orderId, id);
  await repo.deleteAttachment(tx, found.id);
  afterCommit(tx, () => storage.delete(found.storageKey).catch(() => {}));
  return undefined;
}
