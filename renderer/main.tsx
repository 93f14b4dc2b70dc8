import '@fontsource/nanum-gothic/korean-400.css';
import '@fontsource/nanum-gothic/korean-700.css';
import 'react-data-grid/lib/styles.css';
import './styles/app.css';
import './styles/grid-excel.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { initI18n, type Locale } from './i18n/index.js';
import { initApi } from './platform/api.js';

initApi();
initI18n((localStorage.getItem('dispatch.locale') as Locale | null) ?? 'ko');
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
