// HQ's notice texts (issue 15): per event the 알림톡 template id and text and the SMS/LMS text of the fallback,
// with the variables a text may use and a preview filled with sample values; and, on the second tab, the number
// each branch's notices give the customer (#{지점전화}). Online only: the head office keeps both. The head office
// judges the texts (its 400 names the field, shown under that field); a phone number is checked here first with
// the same rule the head office applies (domain/phone.ts).
import { type KeyboardEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../domain/client-api.js';
import {
  NOTICE_EVENTS,
  NOTICE_VARIABLES,
  type NoticeEvent,
  type NoticeTemplateItem,
  type NoticeValues,
  type NoticeVariable,
  renderNotice,
  smsBytes,
  textChannel,
  unknownNoticeVariables,
} from '../../domain/notices.js';
import { koreanPhone } from '../../domain/phone.js';
import { Unavailable } from '../components/Unavailable.js';
import { useChannel } from '../components/useChannel.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useUi } from '../stores/ui.js';

type Tab = NoticeEvent | 'phones';
type Field = 'kakaoTemplateId' | 'body' | 'smsBody';
const VARIABLE_KEYS = Object.keys(NOTICE_VARIABLES) as NoticeVariable[];

export function NoticeTemplates() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>('ASSIGNED');
  const templates = useChannel('notices:templates', {});
  return (
    <section className="screen padded" aria-label={t('noticeTemplates.title')} data-testid="notice-templates">
      <header className="screen-head">
        <h1>{t('noticeTemplates.title')}</h1>
      </header>
      <div className="segmented" role="tablist">
        {[...NOTICE_EVENTS, 'phones' as const].map((x) => (
          <button
            key={x}
            type="button"
            role="tab"
            className={tab === x ? 'on' : ''}
            aria-selected={tab === x}
            data-testid={`template-tab-${x}`}
            onClick={() => setTab(x)}
          >
            {x === 'phones' ? t('noticeTemplates.phones') : t(`notices.events.${x}`)}
          </button>
        ))}
      </div>
      {templates.error && <Unavailable error={templates.error} onRetry={() => void templates.reload()} />}
      {tab === 'phones' ? (
        <BranchPhones />
      ) : (
        templates.data?.map((x) =>
          x.event === tab ? (
            <TemplateEditor key={`${x.event}:${x.version}`} template={x} saved={templates.reload} />
          ) : null,
        )
      )}
    </section>
  );
}

function sampleValues(t: (k: string) => string): NoticeValues {
  return Object.fromEntries(VARIABLE_KEYS.map((k) => [k, t(`noticeTemplates.sample.${k}`)]));
}

function TemplateEditor({ template, saved }: { template: NoticeTemplateItem; saved: () => Promise<void> }) {
  const { t } = useTranslation();
  const [kakaoTemplateId, setKakaoId] = useState(template.kakaoTemplateId);
  const [body, setBody] = useState(template.body);
  const [smsBody, setSmsBody] = useState(template.smsBody ?? '');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [other, setOther] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sample = sampleValues(t);
  const smsText = renderNotice(smsBody.trim() ? smsBody : body, sample);
  const unknown = [...new Set([...unknownNoticeVariables(body), ...unknownNoticeVariables(smsBody)])];

  function edited(field: Field) {
    setErrors((e) => ({ ...e, [field]: undefined }));
    setOther(null);
  }

  async function save() {
    if (busy) return;
    setBusy(true);
    const r = await tryCall('notices:template-save', {
      event: template.event,
      version: template.version,
      kakaoTemplateId,
      body,
      smsBody: smsBody.trim() ? smsBody : null,
    });
    setBusy(false);
    if (r.ok) {
      useUi.getState().toast('success', t('noticeTemplates.saved'));
      await saved();
      return;
    }
    const field = fieldOf(r.error);
    if (field) setErrors((e) => ({ ...e, [field]: errorText(r.error) }));
    else setOther(errorText(r.error));
  }

  // Ctrl+Enter saves from any field (Enter is a line break in the texts)
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
    }
  }

  return (
    <div className="template-editor">
      <form
        className="card form template-form"
        aria-label={t(`notices.events.${template.event}`)}
        onKeyDown={onKeyDown}
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <FieldRow field="kakaoTemplateId" label={t('noticeTemplates.kakaoTemplateId')} error={errors.kakaoTemplateId}>
          <input
            id="template-kakaoTemplateId"
            value={kakaoTemplateId}
            data-testid="template-kakao-id"
            aria-invalid={errors.kakaoTemplateId ? true : undefined}
            aria-describedby={errors.kakaoTemplateId ? 'template-kakaoTemplateId-error' : undefined}
            onChange={(e) => {
              setKakaoId(e.target.value);
              edited('kakaoTemplateId');
            }}
          />
        </FieldRow>
        <FieldRow
          field="body"
          label={t('noticeTemplates.body')}
          hint={t('noticeTemplates.bodyHint')}
          error={errors.body}
        >
          <textarea
            id="template-body"
            rows={7}
            value={body}
            data-testid="template-body"
            aria-invalid={errors.body ? true : undefined}
            aria-describedby={errors.body ? 'template-body-error' : undefined}
            onChange={(e) => {
              setBody(e.target.value);
              edited('body');
            }}
          />
        </FieldRow>
        <FieldRow
          field="smsBody"
          label={t('noticeTemplates.smsBody')}
          hint={t('noticeTemplates.smsHint')}
          error={errors.smsBody}
        >
          <textarea
            id="template-smsBody"
            rows={4}
            value={smsBody}
            placeholder={t('noticeTemplates.smsPlaceholder')}
            data-testid="template-sms"
            aria-invalid={errors.smsBody ? true : undefined}
            aria-describedby={errors.smsBody ? 'template-smsBody-error' : undefined}
            onChange={(e) => {
              setSmsBody(e.target.value);
              edited('smsBody');
            }}
          />
        </FieldRow>
        {other && (
          <p className="form-error" role="alert">
            {other}
          </p>
        )}
        <div className="actions">
          <span className="hint">{t('noticeTemplates.saveHint')}</span>
          <button
            type="button"
            className="btn primary"
            disabled={busy}
            data-testid="template-save"
            onClick={() => void save()}
          >
            {t('noticeTemplates.save')}
          </button>
        </div>
      </form>
      <aside className="card template-side">
        <h2>{t('noticeTemplates.variables')}</h2>
        <dl className="facts" data-testid="template-variables">
          {VARIABLE_KEYS.map((k) => (
            <div key={k}>
              <dt>
                <code>{`#{${NOTICE_VARIABLES[k]}}`}</code>
              </dt>
              <dd>{t(`noticeTemplates.variableNames.${k}`)}</dd>
            </div>
          ))}
        </dl>
        <h2>{t('noticeTemplates.preview')}</h2>
        {unknown.length > 0 && (
          <p className="warn-text">
            {t('noticeTemplates.unknown', { names: unknown.map((u) => `#{${u}}`).join(', ') })}
          </p>
        )}
        <h3>{t('noticeTemplates.previewAlimtalk')}</h3>
        <pre className="notice-preview" data-testid="template-preview-body">
          {renderNotice(body, sample)}
        </pre>
        <h3 data-testid="template-preview-channel">
          {t('noticeTemplates.previewText', { channel: textChannel(smsText), bytes: smsBytes(smsText) })}
        </h3>
        <pre className="notice-preview" data-testid="template-preview-sms">
          {smsText}
        </pre>
      </aside>
    </div>
  );
}

/** The field a head-office refusal names, if it is one of the form's. */
function fieldOf(error: ApiError): Field | null {
  const f = error.field?.replace(/^body\./, '');
  return f === 'kakaoTemplateId' || f === 'body' || f === 'smsBody' ? f : null;
}

function FieldRow({
  field,
  label,
  hint,
  error,
  children,
}: {
  field: Field;
  label: string;
  hint?: string;
  error?: string;
  children: React.ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={`template-${field}`} className="label">
        {label}
      </label>
      {children}
      {hint && <small className="hint">{hint}</small>}
      {error && (
        <p className="form-error" id={`template-${field}-error`} role="alert" data-testid={`template-${field}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function BranchPhones() {
  const { t } = useTranslation();
  const branches = useChannel('lookups:branches', {});
  const phones = useChannel('notices:branch-phones', {});
  const saved = new Map((phones.data ?? []).map((p) => [p.branchId, p.phone]));
  if (phones.error) return <Unavailable error={phones.error} onRetry={() => void phones.reload()} />;
  if (!phones.data || !branches.data) return null;
  return (
    <table className="table narrow-table" data-testid="branch-phones">
      <thead>
        <tr>
          <th>{t('notices.branch')}</th>
          <th>{t('noticeTemplates.phone')}</th>
        </tr>
      </thead>
      <tbody>
        {branches.data.map((b) => (
          <BranchPhoneRow
            key={`${b.id}:${saved.get(b.id) ?? ''}`}
            branch={b}
            phone={saved.get(b.id) ?? ''}
            saved={phones.reload}
          />
        ))}
      </tbody>
    </table>
  );
}

function BranchPhoneRow({
  branch,
  phone,
  saved,
}: {
  branch: { id: string; code: string; name: string };
  phone: string;
  saved: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState(phone);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setValue(phone), [phone]);

  async function save() {
    if (value.trim() === phone) return;
    // the rule the head office applies too: a number with a Korean layout, written out (domain/phone.ts)
    if (!koreanPhone(value)) {
      setError(t('noticeTemplates.phoneInvalid'));
      return;
    }
    const r = await tryCall('notices:branch-phone-save', { branchId: branch.id, phone: value });
    if (!r.ok) {
      setError(errorText(r.error));
      return;
    }
    useUi.getState().toast('success', t('noticeTemplates.phoneSaved', { branch: branch.name }));
    await saved();
  }

  return (
    <tr>
      <td>
        <label htmlFor={`branch-phone-${branch.id}`}>{branch.name}</label>
      </td>
      <td>
        <input
          id={`branch-phone-${branch.id}`}
          type="tel"
          value={value}
          placeholder={t('noticeTemplates.phoneNone')}
          data-testid={`branch-phone-${branch.id}`}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `branch-phone-error-${branch.id}` : undefined}
          onChange={(e) => {
            setValue(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void save();
            }
          }}
          onBlur={() => void save()}
        />
        {error && (
          <p
            className="form-error"
            id={`branch-phone-error-${branch.id}`}
            role="alert"
            data-testid={`branch-phone-error-${branch.id}`}
          >
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}
