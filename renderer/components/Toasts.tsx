import { useUi } from '../stores/ui.js';

export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <button key={t.id} type="button" className={`toast ${t.kind}`} onClick={() => useUi.getState().dismiss(t.id)}>
          {t.text}
        </button>
      ))}
    </div>
  );
}
