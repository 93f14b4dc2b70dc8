import type { Tx } from '../db/transaction.js';

export interface AttachmentRecord {
  id: string;
  orderId: string;
  fileName: string;
  fileType: string;
  fileSize: number;
  storageKey: string;
  uploadedBy: string | null;
  uploadedAt: Date;
}

const COLUMNS = `a.id, a.order_id AS "orderId", a.file_name AS "fileName", a.file_type AS "fileType",
  a.file_size AS "fileSize", a.storage_key AS "storageKey", a.uploaded_by AS "uploadedBy", a.uploaded_at AS "uploadedAt"`;

export async function insertAttachment(
  tx: Tx,
  a: {
    id: string;
    orderId: string;
    fileName: string;
    fileType: string;
    fileSize: number;
    storageKey: string;
    uploadedBy: string;
  },
): Promise<AttachmentRecord> {
  const { rows } = await tx.query<AttachmentRecord>(
    `INSERT INTO attachments AS a (id, order_id, order_created_at, file_name, file_type, file_size, storage_key, uploaded_by)
     SELECT $1, o.id, o.created_at, $3, $4, $5, $6, $7 FROM orders o WHERE o.id = $2
     RETURNING ${COLUMNS}`,
    [a.id, a.orderId, a.fileName, a.fileType, a.fileSize, a.storageKey, a.uploadedBy],
  );
  return rows[0]!;
}

/** The order's attachments the caller may see (row-level security follows the order), oldest first. */
export async function listAttachments(tx: Tx, orderId: string): Promise<AttachmentRecord[]> {
  const { rows } = await tx.query<AttachmentRecord>(
    `SELECT ${COLUMNS} FROM attachments a WHERE a.order_id = $1 ORDER BY a.uploaded_at, a.id`,
    [orderId],
  );
  return rows;
}

export async function findAttachment(tx: Tx, orderId: string, id: string): Promise<AttachmentRecord | undefined> {
  const { rows } = await tx.query<AttachmentRecord>(
    `SELECT ${COLUMNS} FROM attachments a
       JOIN orders o ON o.id = a.order_id AND o.created_at = a.order_created_at AND o.deleted_at IS NULL
      WHERE a.id = $2 AND a.order_id = $1`,
    [orderId, id],
  );
  return rows[0];
}

export async function deleteAttachment(tx: Tx, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM attachments WHERE id = $1', [id]);
  return rowCount === 1;
}
