// Files main produces for the user (xlsx exports, PDFs, head-office downloads, order attachments). Each lives in its own folder named
// by an unguessable id, so the thread that wrote it (the services worker) and the one that hands it out (the
// Electron save dialog or the browser shell's download route) need to share nothing but the folder. Files older
// than an hour are removed.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { attachmentTypeOfExtension } from '../../domain/attachments.js';
import type { FileRef } from '../../domain/client-api.js';

export const MIME = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface StoredFile {
  path: string;
  fileName: string;
  mimeType: string;
}

export class FileStore {
  constructor(
    readonly dir: string,
    private readonly ttlMs = 60 * 60 * 1000,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** A fresh place to write `fileName` into; hand out the id with ref() once the file is complete. */
  reserve(fileName: string): { fileId: string; path: string } {
    this.sweep();
    const fileId = randomUUID();
    mkdirSync(join(this.dir, fileId), { recursive: true });
    // attachments bring the names users gave their files: keep it a plain name inside the file's own folder
    const safe = fileName.replace(/[/\\\p{Cc}]/gu, '_').replace(/^\.+/, '_') || 'file';
    return { fileId, path: join(this.dir, fileId, safe) };
  }

  ref(fileId: string): FileRef {
    const f = this.get(fileId);
    if (!f) throw { code: 'NOT_FOUND', message: 'file not found' };
    return { fileId, fileName: f.fileName, mimeType: f.mimeType, bytes: statSync(f.path).size };
  }

  get(fileId: string): StoredFile | null {
    if (!UUID.test(fileId)) return null;
    let names: string[];
    try {
      names = readdirSync(join(this.dir, fileId));
    } catch {
      return null;
    }
    const fileName = names.find((n) => !n.endsWith('.part'));
    if (!fileName) return null;
    const ext = extname(fileName).slice(1).toLowerCase();
    const mimeType = MIME[ext as keyof typeof MIME] ?? attachmentTypeOfExtension(ext) ?? 'application/octet-stream';
    return { path: join(this.dir, fileId, fileName), fileName, mimeType };
  }

  private sweep() {
    const cutoff = Date.now() - this.ttlMs;
    for (const id of readdirSync(this.dir)) {
      try {
        if (statSync(join(this.dir, id)).mtimeMs < cutoff) rmSync(join(this.dir, id), { recursive: true, force: true });
      } catch {
        // removed by another thread meanwhile
      }
    }
  }
}

export function filesDir(dataDir: string): string {
  return join(dataDir, 'files');
}
