import { pipeline } from 'node:stream/promises';
import { type Request, type Response, Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { ALLOWED_ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES } from '../../domain/attachments.js';
import { authorize } from '../auth/authorize.js';
import { withRequestTransaction } from '../db/transaction.js';
import { contentDisposition } from '../http/content-disposition.js';
import { AppError, ValidationError } from '../http/errors.js';
import { authenticate, guarded, type RouteDeps } from '../http/handler.js';
import { describeRoutes, fileResponse } from '../openapi/registry.js';
import { type Storage, StoredObjectMissing } from '../storage/storage.js';
import {
  addAttachment,
  attachmentForDownload,
  attachmentKey,
  checkFile,
  listOrderAttachments,
  newAttachmentId,
  removeAttachment,
} from './attachments.service.js';

const upload = multer({
  storage: multer.memoryStorage(),
  // browsers send file names as raw UTF-8 (Korean names); busboy's default would read them as Latin-1
  defParamCharset: 'utf8',
  limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 10, parts: 11 },
}).single('file');

/** Runs multer and turns its refusals into our error answers (413 naming `file`, never a 500). */
function receiveFile(req: Request, res: Response): Promise<Express.Multer.File> {
  if (!req.is('multipart/form-data')) {
    return Promise.reject(new ValidationError('file', 'errors.attachments.notMultipart'));
  }
  return new Promise((resolve, reject) => {
    upload(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') {
          reject(
            new AppError(413, {
              code: 'PAYLOAD_TOO_LARGE',
              messageKey: 'errors.attachments.tooLarge',
              field: 'file',
              params: { maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024 },
              details: { maxBytes: MAX_ATTACHMENT_BYTES },
            }),
          );
        } else if (err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_UNEXPECTED_FILE') {
          reject(new ValidationError('file', 'errors.attachments.tooManyFiles'));
        } else {
          reject(new ValidationError(err.field ?? 'file'));
        }
      } else if (err) {
        // a malformed multipart body
        reject(new ValidationError('file', 'errors.attachments.notMultipart'));
      } else if (!req.file) {
        reject(new ValidationError('file', 'errors.attachments.fileRequired'));
      } else {
        resolve(req.file);
      }
    });
  });
}

export function attachmentsRoutes(deps: RouteDeps & { storage: Storage }): Router {
  const r = Router();
  r.post('/orders/:id/attachments', async (req, res) => {
    // who is asking is settled before a byte of the upload is read
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'orders.attachments');
    const received = await receiveFile(req, res);
    const file = await checkFile(received.originalname, received.buffer);
    const id = newAttachmentId();
    try {
      const view = await withRequestTransaction(deps.pool, actor, (tx) =>
        addAttachment(tx, actor, req.params.id, file, deps.storage, id),
      );
      res.status(201).location(view.url).json(view);
    } catch (err) {
      // nothing committed: no file may stay behind
      await deps.storage.delete(attachmentKey(id)).catch(() => {});
      throw err;
    }
  });
  r.get(
    '/orders/:id/attachments',
    guarded(deps, 'orders.attachments', ({ tx, actor, req }) => listOrderAttachments(tx, actor, req.params.id)),
  );
  r.get('/orders/:id/attachments/:attachmentId', async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'orders.attachments');
    const a = await withRequestTransaction(deps.pool, actor, (tx) =>
      attachmentForDownload(tx, actor, req.params.id, req.params.attachmentId),
    );
    let body: NodeJS.ReadableStream;
    try {
      body = await deps.storage.get(a.storageKey);
    } catch (err) {
      if (err instanceof StoredObjectMissing) {
        throw new AppError(410, { code: 'ATTACHMENT_FILE_MISSING', messageKey: 'errors.attachments.fileMissing' });
      }
      throw err;
    }
    res.status(200).set({
      'Content-Type': a.fileType,
      'Content-Length': String(a.fileSize),
      'Content-Disposition': contentDisposition(a.fileName),
      'Cache-Control': 'private, no-store',
    });
    await pipeline(body, res);
  });
  r.delete(
    '/orders/:id/attachments/:attachmentId',
    guarded(deps, 'orders.attachments.delete', ({ tx, actor, req }) =>
      removeAttachment(tx, actor, req.params.id, req.params.attachmentId, deps.storage),
    ),
  );
  return r;
}

const attachmentView = z
  .object({
    id: z.uuid(),
    orderId: z.uuid(),
    fileName: z.string(),
    fileType: z.enum(Object.keys(ALLOWED_ATTACHMENT_TYPES) as [string, ...string[]]),
    fileSize: z.number().int(),
    uploadedBy: z.uuid().nullable(),
    uploadedAt: z.string(),
    url: z.string(),
  })
  .meta({ id: 'Attachment' });

const orderParams = z.object({ id: z.uuid() });
const attachmentParams = z.object({ id: z.uuid(), attachmentId: z.uuid() });

export const attachmentRouteDocs = describeRoutes(
  {
    method: 'post',
    path: '/api/orders/:id/attachments',
    action: 'orders.attachments',
    tag: 'attachments',
    summary: 'Attach a file to an order (multipart field `file`, at most 20 MB)',
    description:
      'The type is sniffed from the content: JPEG, PNG, WebP, HEIC images and PDF are accepted; a file name whose ' +
      'extension contradicts the content is refused.',
    params: orderParams,
    body: z.object({ file: z.string().meta({ format: 'binary' }) }),
    bodyContentType: 'multipart/form-data',
    responses: {
      201: { description: 'stored', schema: attachmentView },
      404: { description: 'no such order in the caller’s scope' },
      413: { description: 'larger than 20 MB (field file)' },
      415: { description: 'not an allowed type, or the extension contradicts the content (field file)' },
    },
  },
  {
    method: 'get',
    path: '/api/orders/:id/attachments',
    action: 'orders.attachments',
    tag: 'attachments',
    summary: 'The order’s attachments',
    params: orderParams,
    responses: {
      200: { description: 'the list', schema: z.object({ items: z.array(attachmentView) }) },
      404: { description: 'no such order in the caller’s scope' },
    },
  },
  {
    method: 'get',
    path: '/api/orders/:id/attachments/:attachmentId',
    action: 'orders.attachments',
    tag: 'attachments',
    summary: 'Download an attachment',
    params: attachmentParams,
    responses: {
      200: fileResponse('the file, with its sniffed Content-Type'),
      404: { description: 'no such attachment in the caller’s scope' },
      410: { description: 'the stored file is missing' },
    },
  },
  {
    method: 'delete',
    path: '/api/orders/:id/attachments/:attachmentId',
    action: 'orders.attachments.delete',
    tag: 'attachments',
    summary: 'Delete an attachment (audited)',
    params: attachmentParams,
    responses: {
      204: { description: 'deleted' },
      404: { description: 'no such attachment in the caller’s scope' },
    },
  },
);
