import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, LocalStorage, S3Storage, StoredObjectMissing } from '../../server/storage/storage.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { auditRows, createOrder, createWorld, type OrderFixture, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Real files, small: what file-type recognises from their first bytes.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n' +
    'trailer<</Root 1 0 R>>\n%%EOF\n',
);
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0'),
  Buffer.alloc(64),
]);
// a Windows executable: "MZ" header and the PE stub
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(200)]);

let db: TestDatabase;
let api: TestServer;
let storageDir: string;
let w: World;
let other: World;
let order: OrderFixture;

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = await mkdtemp(join(tmpdir(), 'dispatch-attachments-'));
  api = await startTestServer(db, { config: { storage: { driver: 'local', dir: storageDir } } });
  w = await createWorld(db.owner);
  other = await createWorld(db.owner);
  order = await createOrder(db.owner, {
    branchId: w.branch.id,
    partnerId: w.partner.id,
    installerId: w.installer.id,
    status: '출문',
  });
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
  await rm(storageDir, { recursive: true, force: true });
});

async function upload(server: TestServer, token: string, orderId: string, file: Buffer, name: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file)], { type: 'application/octet-stream' }), name);
  const res = await fetch(`${server.url}/api/orders/${orderId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read bodies loosely
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

async function download(server: TestServer, token: string, url: string) {
  const res = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const storedFiles = () =>
  existsSync(join(storageDir, 'attachments')) ? readdirSync(join(storageDir, 'attachments')) : [];

describe('upload, list, download, delete', () => {
  it('stores a photo with its Korean name; the same people who see the order can download it', async () => {
    const installer = (await api.login(w.installerUser.username)).accessToken;
    const up = await upload(api, installer, order.id, PNG, '배송 사진.png');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({
      orderId: order.id,
      fileName: '배송 사진.png',
      fileType: 'image/png',
      fileSize: PNG.length,
      uploadedBy: w.installerUser.id,
    });
    expect(up.headers.get('location')).toBe(up.body.url);
    expect(storedFiles()).toContain(up.body.id);

    for (const user of [w.manager, w.coordinator, w.hq]) {
      const token = (await api.login(user.username)).accessToken;
      const got = await download(api, token, up.body.url);
      expect(got.status, user.username).toBe(200);
      expect(got.bytes.equals(PNG)).toBe(true);
      expect(got.headers.get('content-type')).toBe('image/png');
      expect(got.headers.get('content-disposition')).toBe(
        `attachment; filename="__ __.png"; filename*=UTF-8''${encodeURIComponent('배송 사진.png')}`,
      );
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    }

    const list = await api.request('GET', `/api/orders/${order.id}/attachments`, { token: installer });
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).toContain(up.body.id);

    const audit = await auditRows(db.owner, 'attachments', up.body.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'INSERT', actor_id: w.installerUser.id, branch_id: w.branch.id });
  });

  it('accepts JPEG and PDF (by content; a name without extension is fine)', async () => {
    const token = (await api.login(w.manager.username)).accessToken;
    const jpeg = await upload(api, token, order.id, JPEG, 'photo.JPG');
    expect(jpeg.status).toBe(201);
    expect(jpeg.body.fileType).toBe('image/jpeg');
    const pdf = await upload(api, token, order.id, PDF, 'receipt');
    expect(pdf.status).toBe(201);
    expect(pdf.body.fileType).toBe('application/pdf');
  });

  it('deletes (branch side only), audited, and the file goes with the row', async () => {
    const installer = (await api.login(w.installerUser.username)).accessToken;
    const up = await upload(api, installer, order.id, PDF, 'receipt.pdf');
    expect(up.status).toBe(201);

    const denied = await api.request('DELETE', up.body.url, { token: installer });
    expect(denied.status).toBe(403);
    expect(denied.body.error.details).toEqual({ action: 'orders.attachments.delete' });

    const manager = (await api.login(w.manager.username)).accessToken;
    const deleted = await api.request('DELETE', up.body.url, { token: manager });
    expect(deleted.status).toBe(204);
    expect(storedFiles()).not.toContain(up.body.id);
    expect((await download(api, manager, up.body.url)).status).toBe(404);
    const audit = await auditRows(db.owner, 'attachments', up.body.id);
    expect(audit.map((a) => a.action)).toEqual(['INSERT', 'DELETE']);
    expect(audit[1]?.actor_id).toBe(w.manager.id);
  });
});

describe('refusals', () => {
  it('refuses a file whose name lies about its content, and content that is not an image or PDF', async () => {
    const token = (await api.login(w.manager.username)).accessToken;
    const before = storedFiles().length;
    const cases: [Buffer, string, string, string][] = [
      [EXE, 'invoice.pdf', 'errors.attachments.typeNotAllowed', 'This kind of file (EXE) is not accepted'],
      [Buffer.from('just some text, not a picture'), 'photo.png', 'typeUnknown', 'is not an image or a PDF'],
      [PNG, 'scan.pdf', 'extensionMismatch', "ends in '.pdf' but its content is PNG"],
      [PDF, 'receipt.jpg', 'extensionMismatch', "ends in '.jpg' but its content is PDF"],
    ];
    for (const [bytes, name, , message] of cases) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), name);
      const res = await fetch(`${api.url}/api/orders/${order.id}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'accept-language': 'en' },
        body: form,
      });
      const body = await res.json();
      expect(res.status, name).toBe(415);
      expect(body.error, name).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'file' });
      expect(body.error.message, name).toContain(message);
    }
    expect(storedFiles().length).toBe(before);
  });

  it('refuses more than 20 MB with 413 naming the field', async () => {
    const token = (await api.login(w.manager.username)).accessToken;
    const big = Buffer.concat([PNG, Buffer.alloc(20 * 1024 * 1024)]);
    const res = await upload(api, token, order.id, big, 'huge.png');
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      field: 'file',
      message: '파일이 20MB보다 큽니다.',
    });
  });

  it('names the field for a missing file, a JSON body, two files and bad ids', async () => {
    const token = (await api.login(w.manager.username)).accessToken;
    const noFile = new FormData();
    noFile.append('note', 'no file here');
    const missing = await fetch(`${api.url}/api/orders/${order.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: noFile,
    });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatchObject({ code: 'VALIDATION', field: 'file' });

    const json = await api.request('POST', `/api/orders/${order.id}/attachments`, { token, body: { file: 'x' } });
    expect(json.status).toBe(400);
    expect(json.body.error).toMatchObject({ code: 'VALIDATION', field: 'file' });

    const two = new FormData();
    two.append('file', new Blob([new Uint8Array(PNG)]), 'a.png');
    two.append('file', new Blob([new Uint8Array(PNG)]), 'b.png');
    const twoRes = await fetch(`${api.url}/api/orders/${order.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: two,
    });
    expect(twoRes.status).toBe(400);
    expect((await twoRes.json()).error).toMatchObject({ field: 'file' });

    const badOrder = await upload(api, token, 'not-an-id', PNG, 'a.png');
    expect(badOrder.body.error).toMatchObject({ code: 'VALIDATION', field: 'id' });
    const badAttachment = await api.request('GET', `/api/orders/${order.id}/attachments/nope`, { token });
    expect(badAttachment.body.error).toMatchObject({ code: 'VALIDATION', field: 'attachmentId' });
    expect((await upload(api, '', order.id, PNG, 'a.png')).status).toBe(401);
  });

  it('another branch sees nothing: upload, list, download and delete are 404', async () => {
    const owner = (await api.login(w.manager.username)).accessToken;
    const up = await upload(api, owner, order.id, PNG, 'mine.png');
    expect(up.status).toBe(201);

    const stranger = (await api.login(other.manager.username)).accessToken;
    const before = storedFiles().length;
    const tries = [
      await upload(api, stranger, order.id, PNG, 'theirs.png'),
      await api.request('GET', `/api/orders/${order.id}/attachments`, { token: stranger }),
      await api.request('GET', up.body.url, { token: stranger }),
      await api.request('DELETE', up.body.url, { token: stranger }),
    ];
    for (const res of tries) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    // the refused upload left no file behind
    expect(storedFiles().length).toBe(before);
    // an attachment id under another order is not found either
    const elsewhere = await createOrder(db.owner, { branchId: w.branch.id });
    const wrongOrder = await api.request('GET', `/api/orders/${elsewhere.id}/attachments/${up.body.id}`, {
      token: owner,
    });
    expect(wrongOrder.status).toBe(404);
  });
});

// ── storage adapters ────────────────────────────────────────────────────────────────────────────────────────

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('local storage', () => {
  it('writes atomically, reads, deletes, and refuses keys that leave its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dispatch-local-'));
    try {
      const s = new LocalStorage(dir);
      await s.put('a/b/c', PNG, { contentType: 'image/png' });
      expect((await readAll(await s.get('a/b/c'))).equals(PNG)).toBe(true);
      expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['c']); // no temporary file left
      const src = join(dir, 'source.pdf');
      await writeFile(src, PDF);
      await s.putFile('exports/x.xlsx', src, { contentType: 'application/pdf' });
      expect((await readAll(await s.get('exports/x.xlsx'))).equals(PDF)).toBe(true);
      await s.delete('a/b/c');
      await s.delete('a/b/c'); // twice is fine
      await expect(s.get('a/b/c')).rejects.toBeInstanceOf(StoredObjectMissing);
      for (const bad of ['../escape', 'a/../../escape', '/etc/passwd', 'a//b', '']) {
        await expect(s.put(bad, PNG, { contentType: 'image/png' }), bad).rejects.toThrow('invalid storage key');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Stands in for the S3 service, which lies outside the product and this machine has none of: it answers the three
 * object calls (PUT, GET, DELETE, path-style) the way S3 does and records what it was sent. No S3 behaviour beyond
 * that (multipart uploads, versioning, real signature checks) is exercised here.
 */
async function fakeS3() {
  const objects = new Map<string, { body: Buffer; type: string | undefined }>();
  const requests: { method: string; path: string; auth: string | undefined; type: string | undefined }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push({
        method: req.method ?? '',
        path,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
      });
      if (req.method === 'PUT') {
        objects.set(path, { body: Buffer.concat(chunks), type: req.headers['content-type'] });
        res.writeHead(200, { ETag: '"etag"' }).end();
      } else if (req.method === 'GET') {
        const o = objects.get(path);
        if (!o) {
          res
            .writeHead(404, { 'Content-Type': 'application/xml' })
            .end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>missing</Message></Error>');
        } else {
          res.writeHead(200, { 'Content-Type': o.type ?? '', 'Content-Length': o.body.length }).end(o.body);
        }
      } else if (req.method === 'DELETE') {
        objects.delete(path);
        res.writeHead(204).end();
      } else {
        res.writeHead(405).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('S3-compatible storage', () => {
  const s3Settings = (endpoint: string) => ({
    driver: 's3' as const,
    dir: '',
    s3: {
      bucket: 'dispatch-files',
      endpoint,
      region: 'ap-northeast-2',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret-example',
      prefix: '/branch-dispatch/',
    },
  });

  it('is chosen when S3_BUCKET is set, keys carry the prefix, and incomplete settings are refused', () => {
    const s = createStorage(s3Settings('http://127.0.0.1:1'));
    expect(s).toBeInstanceOf(S3Storage);
    expect((s as S3Storage).objectKey('attachments/abc')).toBe('branch-dispatch/attachments/abc');
    expect(() => (s as S3Storage).objectKey('../abc')).toThrow('invalid storage key');
    expect(() => createStorage({ ...s3Settings(''), s3: { ...s3Settings('').s3, bucket: undefined } })).toThrow(
      'S3_BUCKET',
    );
    expect(() =>
      createStorage({ ...s3Settings(''), s3: { ...s3Settings('').s3, secretAccessKey: undefined } }),
    ).toThrow('go together');
    expect(createStorage({ driver: 'local', dir: storageDir, s3: s3Settings('').s3 })).toBeInstanceOf(LocalStorage);
  });

  it('puts, gets and deletes objects with signed path-style requests (against a stand-in S3)', async () => {
    const fake = await fakeS3();
    try {
      const s = createStorage(s3Settings(fake.url));
      await s.put('attachments/a1', PNG, { contentType: 'image/png' });
      expect(fake.objects.get('/dispatch-files/branch-dispatch/attachments/a1')?.body.equals(PNG)).toBe(true);
      expect(fake.requests[0]).toMatchObject({ method: 'PUT', type: 'image/png' });
      expect(fake.requests[0]?.auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-2\/s3\//);
      expect((await readAll(await s.get('attachments/a1'))).equals(PNG)).toBe(true);
      await s.delete('attachments/a1');
      expect(fake.objects.size).toBe(0);
      await expect(s.get('attachments/a1')).rejects.toBeInstanceOf(StoredObjectMissing);
    } finally {
      await fake.close();
    }
  });

  it('serves uploads and downloads through the API when configured for S3', async () => {
    const fake = await fakeS3();
    const s3api = await startTestServer(db, { config: { storage: s3Settings(fake.url) } });
    try {
      const token = (await s3api.login(w.manager.username)).accessToken;
      const up = await upload(s3api, token, order.id, PDF, 'receipt.pdf');
      expect(up.status).toBe(201);
      expect([...fake.objects.keys()]).toEqual([`/dispatch-files/branch-dispatch/attachments/${up.body.id}`]);
      const got = await download(s3api, token, up.body.url);
      expect(got.status).toBe(200);
      expect(got.bytes.equals(PDF)).toBe(true);
      expect((await s3api.request('DELETE', up.body.url, { token })).status).toBe(204);
      expect(fake.objects.size).toBe(0);
    } finally {
      await s3api.stop();
      await fake.close();
    }
  });
});
