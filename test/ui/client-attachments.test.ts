// Attachments in the order detail, through the real client services (worker, both handler modules) and the browser
// shell's transport, against the real head office and PostgreSQL. The timed pull is set to an hour: whatever the
// detail shows right after a call is there because the call itself put it there.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserShell, startBrowserShell } from '../../main/browser-shell/shell-server.js';
import { FileStore, filesDir } from '../../main/channel-handlers/file-store.js';
import { type ServicesWorker, startServicesWorker } from '../../main/services/worker-host.js';
import { createHttpApi, fetchShellFile } from '../../renderer/platform/http-api.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createOrder, createUser, type UserFixture } from '../support/fixtures.js';
import { makePng } from '../support/png.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let server: TestServer;
let worker: ServicesWorker;
let shell: BrowserShell;
let api: ReturnType<typeof createHttpApi>;
let manager: UserFixture;
let orderId: string;
const PNG = makePng();

beforeAll(async () => {
  db = await createTestDatabase();
  const branch = await createBranch(db.owner, { name: '첨부지점' });
  manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
  orderId = (await createOrder(db.owner, { branchId: branch.id, customerName: '첨부고객' })).id;
  server = await startTestServer(db);
  const dataDir = mkdtempSync(join(tmpdir(), 'attachments-'));
  worker = await startServicesWorker({
    dataDir,
    engine: { pullIntervalMs: 3_600_000, backoff: { baseMs: 50, maxMs: 300 } },
    handlerModules: [
      new URL('../../main/channel-handlers/screen-handlers.ts', import.meta.url).href,
      new URL('../../main/channel-handlers/attachment-handlers.ts', import.meta.url).href,
    ],
  });
  shell = await startBrowserShell({
    handlers: worker.handlers,
    events: worker,
    files: new FileStore(filesDir(dataDir)),
    rendererDir: '/nonexistent',
  });
  api = createHttpApi({ baseUrl: shell.origin, token: shell.token });
  const login = await api['auth:login']({
    serverUrl: server.url,
    username: manager.username,
    password: manager.password,
  });
  if (!login.ok) throw new Error(login.error.message);
  // the first pull runs with the login; wait until it has brought the order
  for (let i = 0; i < 100 && !(await api['detail:get']({ id: orderId })).ok; i++)
    await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => {
  api?.close();
  await shell?.close();
  await worker?.close();
  await server?.stop();
  await db?.drop();
});

async function atHeadOffice(): Promise<Array<{ fileName: string }>> {
  const token = await server.login(manager.username);
  const r = await server.request('GET', `/api/orders/${orderId}/attachments`, { token });
  return r.body.items;
}

async function listed(): Promise<string[]> {
  const d = await api['detail:get']({ id: orderId });
  if (!d.ok) throw new Error(d.error.message);
  return d.value.attachments.map((a) => a.fileName);
}

describe('attachments in the order detail', () => {
  it('uploads a photo, lists it at once, gives back the same bytes, and deletes it', async () => {
    const up = await api['attachments:upload']({
      orderId,
      fileName: '설치 사진.png',
      file: PNG.toString('base64'),
    });
    if (!up.ok) throw new Error(up.error.message);
    const meta = up.value.attachments.find((a) => a.fileName === '설치 사진.png');
    expect(meta).toMatchObject({ fileType: 'image/png', fileSize: PNG.length, uploadedBy: manager.id });
    expect(await listed()).toEqual(['설치 사진.png']);
    expect((await atHeadOffice()).map((a) => a.fileName)).toEqual(['설치 사진.png']);

    const opened = await api['attachments:open']({ orderId, attachmentId: meta!.id });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value).toMatchObject({ fileName: '설치 사진.png', mimeType: 'image/png', bytes: PNG.length });
    const blob = await fetchShellFile({ baseUrl: shell.origin, token: shell.token }, opened.value.fileId);
    expect(blob.type).toBe('image/png');
    expect(Buffer.from(await blob.arrayBuffer()).equals(PNG)).toBe(true);

    const del = await api['attachments:delete']({ orderId, attachmentId: meta!.id });
    expect(del.ok && del.value.attachments).toEqual([]);
    expect(await listed()).toEqual([]);
    expect(await atHeadOffice()).toEqual([]);
  });

  it("passes on the head office's refusal of a forged file, and nothing is stored", async () => {
    const r = await api['attachments:upload']({
      orderId,
      fileName: 'photo.png',
      file: Buffer.from('just some text pretending to be a picture\n'.repeat(20)).toString('base64'),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'file' });
    // the head office's own sentence, in the user's language
    expect(r.error.message).toBe('파일 내용이 이미지나 PDF가 아닙니다. 허용: JPEG, PNG, WebP, HEIC, PDF.');
    expect(await listed()).toEqual([]);
    expect(await atHeadOffice()).toEqual([]);
  });

  it('refuses a file over 20 MB and a name outside the allowed types before sending anything', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(20 * 1024 * 1024)]);
    const tooBig = await api['attachments:upload']({ orderId, fileName: 'big.png', file: big.toString('base64') });
    expect(tooBig.ok).toBe(false);
    if (!tooBig.ok) {
      // refused by the contract's check (VALIDATION), not by the head office's 413
      expect(tooBig.error).toMatchObject({ code: 'VALIDATION', field: 'file' });
      expect(tooBig.error.message).toContain('20 MB');
    }
    const text = await api['attachments:upload']({
      orderId,
      fileName: 'notes.txt',
      file: Buffer.from('hello').toString('base64'),
    });
    expect(text.ok).toBe(false);
    if (!text.ok) expect(text.error).toMatchObject({ code: 'VALIDATION', field: 'fileName' });
    expect(await atHeadOffice()).toEqual([]);
  });

  it('says plainly that attachments need the head office when it cannot be reached', async () => {
    const up = await api['attachments:upload']({ orderId, fileName: 'a.png', file: PNG.toString('base64') });
    if (!up.ok) throw new Error(up.error.message);
    const id = up.value.attachments[0]!.id;
    await server.stop();
    const again = await api['attachments:upload']({ orderId, fileName: 'b.png', file: PNG.toString('base64') });
    const open = await api['attachments:open']({ orderId, attachmentId: id });
    const del = await api['attachments:delete']({ orderId, attachmentId: id });
    for (const r of [again, open, del]) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('OFFLINE');
        expect(r.error.message).toMatch(/^Attachments need the connection to the head office/);
      }
    }
    // the mirror still lists what the head office holds
    expect(await listed()).toEqual(['a.png']);
  });
});
