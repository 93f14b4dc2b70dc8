// Updates come from the head office's /updates (electron-updater's generic provider: latest.yml + installers),
// so a branch PC needs no access to the internet. Checked after start and every 4 hours; installed on quit.
import type { AppUpdater } from 'electron-updater';

/** The publisher the Windows builds are signed as (electron-builder.yml win.signtoolOptions.publisherName). */
export const UPDATE_PUBLISHER_NAMES = ['Branch Dispatch'] as const;

/**
 * The feed of a head office, or undefined when updates must not come from it: an installer fetched over plain
 * http could be swapped on the branch LAN or the VPN. http is allowed only from 127.0.0.1 (tests, a local demo).
 */
export function updateFeed(serverUrl: string): { provider: 'generic'; url: string; channel: string } | undefined {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && url.hostname === '127.0.0.1')) return undefined;
  return { provider: 'generic', url: `${serverUrl.replace(/\/+$/, '')}/updates`, channel: 'latest' };
}

export function startUpdateChecks(updater: AppUpdater, serverUrl: string, log: (msg: string) => void): () => void {
  const feed = updateFeed(serverUrl);
  if (!feed) {
    log(`no updates: the head office ${serverUrl} is not served over https`);
    return () => {};
  }
  updater.setFeedURL(feed);
  // Windows: electron-updater checks the installer's Authenticode signature against the publisher named in
  // app-update.yml (written from electron-builder.yml); an installer signed by anyone else is not installed.
  updater.allowDowngrade = false;
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  updater.on('error', (e) => log(`update check failed: ${e.message}`));
  const check = () => void updater.checkForUpdates().catch((e: Error) => log(`update check failed: ${e.message}`));
  const first = setTimeout(check, 30_000);
  const every = setInterval(check, 4 * 3600_000);
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
