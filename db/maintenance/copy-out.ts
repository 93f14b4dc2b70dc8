import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

export interface CopiedFile {
  file: string;
  rows: number;
  sha256: string;
}

/** COPY (query) TO STDOUT as CSV with a header into a gzip file; returns the row count and the file's hash. */
export async function copyQueryToGzipCsv(client: pg.ClientBase, query: string, file: string): Promise<CopiedFile> {
  const hash = createHash('sha256');
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
  const hasher = new Transform({
    transform(chunk, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(stream, createGzip(), hasher, createWriteStream(file));
  return { file, rows: Number(stream.rowCount ?? 0), sha256: hash.digest('hex') };
}
