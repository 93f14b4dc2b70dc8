// Saved views of the orders grid: choose one, save the current arrangement under a name, delete the chosen one.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { GRID_VIEW_NAME_MAX } from '../../domain/grid-view.js';
import { useUi } from '../stores/ui.js';
import { useGridViews } from './views.js';

export function ViewsMenu() {
  const { t } = useTranslation();
  const views = useGridViews((s) => s.views);
  const current = useGridViews((s) => s.current);
  const error = useGridViews((s) => s.error);
  const writing = useGridViews((s) => s.writing);
  const [name, setName] = useState('');
  return (
    <details className="dropdown right" data-testid="views-menu" data-writing={writing}>
      <summary className="btn">
        {t('grid.views.title')}
        {current ? `: ${current}` : ''}
      </summary>
      <div className="dropdown-menu views-menu">
        <p className="muted small">{t('grid.views.help')}</p>
        <label className="stack">
          <span>{t('grid.views.choose')}</span>
          <select
            value={current ?? ''}
            data-testid="view-select"
            onChange={(e) => useGridViews.getState().choose(e.target.value || null)}
          >
            <option value="">{t('grid.views.none')}</option>
            {views.map((v) => (
              <option key={v.name} value={v.name}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="btn ghost"
          data-testid="view-delete"
          disabled={!current}
          onClick={async () => {
            if (!current) return;
            await useGridViews.getState().remove(current);
            useUi.getState().toast('info', t('grid.views.deleted', { name: current }));
          }}
        >
          {t('grid.views.delete')}
        </button>
        <hr />
        <form
          className="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!name.trim()) return;
            if (await useGridViews.getState().save(name)) {
              useUi.getState().toast('success', t('grid.views.saved', { name: name.trim() }));
              setName('');
            }
          }}
        >
          <label className="stack">
            <span>{t('grid.views.name')}</span>
            <input
              value={name}
              maxLength={GRID_VIEW_NAME_MAX}
              data-testid="view-name"
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <button type="submit" className="btn" data-testid="view-save" disabled={!name.trim()}>
            {t('grid.views.save')}
          </button>
        </form>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </details>
  );
}
