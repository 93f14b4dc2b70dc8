// Small per-user settings kept in one JSON file under the app's data folder (column layouts, import mapping
// presets). Written atomically (temp file + rename) so a crash never leaves half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class JsonFileStore<T extends Record<string, unknown>> {
  private data: T | null = null;
  constructor(
    private readonly path: string,
    private readonly empty: () => T,
  ) {}

  read(): T {
    if (!this.data) {
      try {
        this.data = JSON.parse(readFileSync(this.path, 'utf8')) as T;
      } catch {
        this.data = this.empty();
      }
    }
    return this.data;
  }

  write(next: T): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(next));
    renameSync(tmp, this.path);
    this.data = next;
  }
}

/** Preferences per user: { [userId]: { [key]: value } }. */
export class PrefsStore {
  private readonly store: JsonFileStore<Record<string, Record<string, unknown>>>;
  constructor(path: string) {
    this.store = new JsonFileStore(path, () => ({}));
  }
  get(userId: string, key: string): unknown {
    return this.store.read()[userId]?.[key] ?? null;
  }
  set(userId: string, key: string, value: unknown): void {
    const all = this.store.read();
    this.store.write({ ...all, [userId]: { ...(all[userId] ?? {}), [key]: value } });
  }
}
