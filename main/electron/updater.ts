// Updates come from the head office's /updates (electron-updater's generic provider: latest.yml + installers),
// so a branch PC needs no access to the internet. Checked after start and every 4 hours; installed on quit.
import type { AppUpdater } from 'electron-updater';

export function updateFeed(serverUrl: string): { provider: 'generic'; url: string; channel: string } {
  return { provider: 'generic', url: `${serverUrl.replace(/\/+$/, '')}/updates`, channel: 'latest' };
}

export function startUpdateChecks(updater: AppUpdater, serverUrl: string, log: (msg: string) => void): () => void {
  updater.setFeedURL(updateFeed(serverUrl));
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
