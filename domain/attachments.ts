// What may be attached to an order, shared by the head office (which sniffs the bytes and has the last word) and
// the branch client (which refuses by size and name before sending 20 MB over a branch VPN for nothing).

export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** Allowed content types (as sniffed) with the file name extensions that may carry them. */
export const ALLOWED_ATTACHMENT_TYPES: Record<string, { label: string; extensions: readonly string[] }> = {
  'image/jpeg': { label: 'JPEG', extensions: ['jpg', 'jpeg', 'jpe', 'jfif'] },
  'image/png': { label: 'PNG', extensions: ['png'] },
  'image/webp': { label: 'WebP', extensions: ['webp'] },
  'image/heic': { label: 'HEIC', extensions: ['heic', 'heif'] },
  'image/heif': { label: 'HEIF', extensions: ['heic', 'heif'] },
  'application/pdf': { label: 'PDF', extensions: ['pdf'] },
};

/** The lower-case extension of a file name, '' when it has none. */
export function fileExtension(fileName: string): string {
  const base = fileName.replace(/^.*[/\\]/, '');
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

const ALLOWED_EXTENSIONS = new Set(Object.values(ALLOWED_ATTACHMENT_TYPES).flatMap((t) => t.extensions));

/**
 * A name the head office could accept: an allowed extension, or none (then only the content decides, as on the
 * server). The bytes are judged by the head office alone.
 */
export function attachmentNameAllowed(fileName: string): boolean {
  const ext = fileExtension(fileName);
  return ext === '' || ALLOWED_EXTENSIONS.has(ext);
}

/** The content type an allowed extension stands for (downloads named by the user keep their type). */
export function attachmentTypeOfExtension(ext: string): string | undefined {
  return Object.entries(ALLOWED_ATTACHMENT_TYPES).find(([, t]) => t.extensions.includes(ext.toLowerCase()))?.[0];
}

/** For a file picker's `accept`: the extensions and types above. */
export const ATTACHMENT_ACCEPT = [
  ...[...ALLOWED_EXTENSIONS].map((e) => `.${e}`),
  ...Object.keys(ALLOWED_ATTACHMENT_TYPES),
].join(',');

/** How many bytes a base64 text decodes to, without decoding it. */
export function base64Bytes(b64: string): number {
  const s = b64.replace(/\s+/g, '');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - pad;
}

/** An attachment as the head office answers it (GET /api/orders/:id/attachments, the upload's 201). */
export interface AttachmentView {
  id: string;
  orderId: string;
  fileName: string;
  fileType: string;
  fileSize: number;
  uploadedBy: string | null;
  uploadedAt: string;
  /** GET it to download */
  url: string;
}
