// The main window's options, kept in one object so a test can hold them against Electron's security checklist
// (https://www.electronjs.org/docs/latest/tutorial/security): isolated, sandboxed renderer without Node, no
// webviews, no insecure content, only our preload.
import type { BrowserWindowConstructorOptions } from 'electron';

export function mainWindowOptions(preloadPath: string, title: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    title,
    show: false, // shown on ready-to-show: no white flash
    backgroundColor: '#f4f5f7',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: process.env.DISPATCH_DEVTOOLS === '1',
    },
  };
}
