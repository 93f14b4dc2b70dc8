// Where attachment and export files live. One interface, two adapters: a folder on the head-office machine
// (default, STORAGE_DIR) and any S3-compatible service (S3_BUCKET set). Keys are ours (e.g.
// "orders/<orderId>/<attachmentId>"), never a user's file name, so no upload can choose where it lands.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { v7 as uuidv7 } from 'uuid';
import type { ServerConfig } from '../config.js';

export class StoredObjectMissing extends Error {
  constructor(key: string) {
    super(`no stored object ${key}`);
    this.name = 'StoredObjectMissing';
  }
}

export interface PutOptions {
  contentType: string;
}

export interface Storage {
  readonly driver: 'local' | 's3';
  put(key: string, body: Buffer, opts: PutOptions): Promise<void>;
  /** stores a finished local file (an export built on disk); the source file is left alone */
  putFile(key: string, path: string, opts: PutOptions): Promise<void>;
  /** the object's bytes; StoredObjectMissing when there is none */
  get(key: string): Promise<Readable>;
  /** removes the object; removing a missing one is fine */
  delete(key: string): Promise<void>;
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Keys are built by our code; this refuses anything that could climb out of the storage root. */
export function assertStorageKey(key: string): void {
  if (key.length > 200 || !KEY_RE.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
  }
}

export class LocalStorage implements Storage {
  readonly driver = 'local';
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  path(key: string): string {
    assertStorageKey(key);
    const p = resolve(join(this.root, key));
    if (!p.startsWith(this.root + sep)) throw new Error(`storage key outside the root: ${key}`);
    return p;
  }

  /** Writes beside the target and renames: a reader never sees half a file. */
  private async writeAtomically(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${uuidv7()}.part`;
    try {
      await write(tmp);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  // the local folder keeps no content type: the attachment row has it
  put(key: string, body: Buffer, _opts?: PutOptions): Promise<void> {
    return this.writeAtomically(key, (tmp) => pipeline(Readable.from([body]), createWriteStream(tmp)));
  }

  putFile(key: string, path: string, _opts?: PutOptions): Promise<void> {
    return this.writeAtomically(key, (tmp) => pipeline(createReadStream(path), createWriteStream(tmp)));
  }

  async get(key: string): Promise<Readable> {
    const p = this.path(key);
    try {
      await stat(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoredObjectMissing(key);
      throw err;
    }
    return createReadStream(p);
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

export interface S3Settings {
  bucket: string;
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  prefix?: string;
}

export class S3Storage implements Storage {
  readonly driver = 's3';
  readonly client: S3Client;
  readonly bucket: string;
  private readonly prefix: string;

  constructor(settings: S3Settings) {
    this.bucket = settings.bucket;
    this.prefix = (settings.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.client = new S3Client({
      region: settings.region ?? 'us-east-1',
      endpoint: settings.endpoint,
      // MinIO, Ceph and most self-hosted services serve buckets as paths, not subdomains
      forcePathStyle: Boolean(settings.endpoint),
      // checksums only where S3 requires them: the SDK's default (aws-chunked uploads with trailing CRC32) is
      // refused by many S3-compatible services
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials:
        settings.accessKeyId && settings.secretAccessKey
          ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
          : undefined,
    });
  }

  /** The object key in the bucket: the deployment's prefix, then our key. */
  objectKey(key: string): string {
    assertStorageKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async put(key: string, body: Buffer, opts: PutOptions): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: body,
        ContentType: opts.contentType,
        ContentLength: body.length,
      }),
    );
  }

  async putFile(key: string, path: string, opts: PutOptions): Promise<void> {
    const { size } = await stat(path);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(path),
        ContentType: opts.contentType,
        ContentLength: size,
      }),
    );
  }

  async get(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!(out.Body instanceof Readable)) throw new Error('S3 answered without a body stream');
      return out.Body;
    } catch (err) {
      if (err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) {
        throw new StoredObjectMissing(key);
      }
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }
}

/** The storage the configuration asks for: S3 when S3_BUCKET is set, else the local folder. */
export function createStorage(config: ServerConfig['storage']): Storage {
  if (config.driver === 's3') {
    const { bucket, endpoint, region, accessKeyId, secretAccessKey, prefix } = config.s3;
    if (!bucket) throw new Error('S3 storage needs S3_BUCKET');
    if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
      throw new Error('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');
    }
    return new S3Storage({ bucket, endpoint, region, accessKeyId, secretAccessKey, prefix });
  }
  return new LocalStorage(config.dir);
}
