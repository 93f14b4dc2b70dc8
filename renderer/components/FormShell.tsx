import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export interface FormShellProps {
  title: string;
  /** data-testid of the form */
  testId?: string;
  /** the submit button's text */
  submitLabel: string;
  submitTestId?: string;
  submitDisabled?: boolean;
  /** shown above the buttons */
  error: string | null;
  onSubmit: () => void | Promise<void>;
  onCancel: () => void;
  children: ReactNode;
}

/** A card form of the order drawer: its heading, the fields given as children, the error, cancel and submit. */
export function FormShell(p: FormShellProps) {
  const { t } = useTranslation();
  return (
    <form
      className="card form"
      data-testid={p.testId}
      onSubmit={(e) => {
        e.preventDefault();
        void p.onSubmit();
      }}
    >
      <h3>{p.title}</h3>
      {p.children}
      {p.error && (
        <p className="form-error" role="alert">
          {p.error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="btn ghost" onClick={p.onCancel}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="btn primary" data-testid={p.submitTestId} disabled={p.submitDisabled}>
          {p.submitLabel}
        </button>
      </div>
    </form>
  );
}
