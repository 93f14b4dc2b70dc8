// Issue 14, the client's updates: fetched only over https (http only from 127.0.0.1, for tests), the installer's
// signature checked against the publisher on Windows, and the packaged app's Electron fuses set.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UPDATE_PUBLISHER_NAMES, updateFeed } from '../../main/electron/updater.js';

const builder = parse(readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8'));

describe('update feed', () => {
  it('is https; plain http is refused except from 127.0.0.1', () => {
    expect(updateFeed('https://hq.example.com:8443/')).toMatchObject({ url: 'https://hq.example.com:8443/updates' });
    expect(updateFeed('http://127.0.0.1:8080')).toMatchObject({ url: 'http://127.0.0.1:8080/updates' });
    for (const insecure of ['http://hq.example.com', 'http://10.0.0.5:8080', 'http://localhost.evil.com', 'ftp://hq']) {
      expect(updateFeed(insecure), insecure).toBeUndefined();
    }
  });

  it('electron-builder publishes over https only', () => {
    expect(builder.publish.length).toBeGreaterThan(0);
    for (const p of builder.publish) expect(new URL(p.url).protocol).toBe('https:');
  });
});

describe('Windows signature and Electron fuses', () => {
  it('the installer is verified against the publisher the build signs as', () => {
    expect(builder.win.signtoolOptions.publisherName).toEqual([...UPDATE_PUBLISHER_NAMES]);
    expect(builder.win.verifyUpdateCodeSignature).not.toBe(false);
  });

  it('fuses: no running as Node, no inspector flags, asar integrity checked, the app only from the asar', () => {
    expect(builder.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeCliInspectArguments: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(builder.asar).toBe(true);
  });
});
