// HQ's appointment slots per branch (issue 12): the time windows a branch's clerks choose from (the grid's 시간대
// cell and its paste, the appointment form, 연기, 해피콜), in the order they see them. HQ picks a branch, adds,
// edits (name, from, to), removes and reorders its slots; the list is checked by the head office's own rule
// (domain/appointment-slots.ts slotListProblems) before it is sent, each problem under the field it names, and saved
// to the head office (online). The branch PCs receive it with their next pull, as all reference data.
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type AppointmentSlot,
  type SlotField,
  type SlotListProblem,
  slotClock,
  slotListProblems,
  slotText,
} from '../../domain/appointment-slots.js';
import type { BranchSlotsItem } from '../../domain/client-api.js';
import { Unavailable } from '../components/Unavailable.js';
import { useChannel } from '../components/useChannel.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useUi } from '../stores/ui.js';

export function BranchSlots() {
  const { t } = useTranslation();
  const branches = useChannel('slots:branches', {});
  const [branchId, setBranchId] = useState('');
  const list = branches.data ?? [];
  const branch = list.find((b) => b.id === branchId) ?? list[0];
  return (
    <section className="screen padded" aria-label={t('branchSlots.title')} data-testid="branch-slots">
      <header className="screen-head">
        <h1>{t('branchSlots.title')}</h1>
      </header>
      <p className="hint slots-intro">{t('branchSlots.intro')}</p>
      {branches.error && <Unavailable error={branches.error} onRetry={() => void branches.reload()} />}
      {branches.data && list.length === 0 && <p>{t('branchSlots.empty')}</p>}
      {branch && (
        <>
          <label className="slots-branch">
            <span className="label">{t('branchSlots.branch')}</span>
            <select value={branch.id} data-testid="slots-branch" onChange={(e) => setBranchId(e.target.value)}>
              {list.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name} ({b.code})
                </option>
              ))}
            </select>
          </label>
          {/* keyed by the saved version: a save (or another branch) starts the editor from the head office's list */}
          <SlotsEditor key={`${branch.id}:${branch.version}`} branch={branch} saved={branches.reload} />
        </>
      )}
    </section>
  );
}

interface Row {
  id: number;
  label: string;
  start: string;
  end: string;
}
type Focusable = SlotField | 'up' | 'down' | 'remove';

const toRows = (slots: readonly AppointmentSlot[]): Row[] =>
  slots.map((s, i) => ({ id: i + 1, label: s.label ?? '', start: s.start, end: s.end }));

/** The list as the head office stores it: times written out, a blank name is no name. */
const toSlots = (rows: readonly Row[]): AppointmentSlot[] =>
  rows.map((r) => ({
    start: slotClock(r.start),
    end: slotClock(r.end),
    ...(r.label.trim() ? { label: r.label.trim() } : {}),
  }));

/** The head office's refusal naming a slot's field (appointmentSlots.2.start, or slots.2.start from the channel). */
function fieldOf(field: string | undefined): { index: number; field: SlotField } | null {
  const m = /^(?:appointmentSlots|slots)\.(\d+)\.(start|end|label)$/.exec(field ?? '');
  return m ? { index: Number(m[1]), field: m[2] as SlotField } : null;
}

function SlotsEditor({ branch, saved }: { branch: BranchSlotsItem; saved: () => Promise<void> }) {
  const { t } = useTranslation();
  const [rows, setRows] = useState<Row[]>(() => toRows(branch.appointmentSlots));
  // problems show once a save was tried, and then follow every keystroke
  const [checked, setChecked] = useState(false);
  const [server, setServer] = useState<{ index: number; field: SlotField; text: string } | null>(null);
  const [other, setOther] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nextId = useRef(rows.length + 1);
  const body = useRef<HTMLTableSectionElement>(null);
  const [focus, setFocus] = useState<{ id: number; on: Focusable } | null>(null);

  useEffect(() => {
    if (!focus) return;
    body.current?.querySelector<HTMLElement>(`[data-slot="${focus.id}"][data-on="${focus.on}"]`)?.focus();
    setFocus(null);
  }, [focus]);

  const slots = toSlots(rows);
  const problems: SlotListProblem[] = checked ? slotListProblems(slots) : [];
  const dirty = JSON.stringify(slots) !== JSON.stringify(branch.appointmentSlots);
  const problemAt = (index: number, field: SlotField): string | null => {
    if (server && server.index === index && server.field === field) return server.text;
    const p = problems.find((x) => x.index === index && x.field === field);
    return p ? t(`branchSlots.problems.${p.key}`) : null;
  };
  const listProblems = problems.filter((p) => p.index === null);
  const name = (r: Row, i: number) => slotTextOf(r) ?? `${i + 1}. ${t('branchSlots.newSlot')}`;

  function changed() {
    setServer(null);
    setOther(null);
  }
  function edit(id: number, field: SlotField, value: string) {
    setRows((rs) => rs.map((r) => (r.id === id ? { ...r, [field]: value } : r)));
    changed();
  }
  function move(id: number, by: -1 | 1, on: Focusable) {
    const i = rows.findIndex((r) => r.id === id);
    const j = i + by;
    if (i < 0 || j < 0 || j >= rows.length) return;
    const next = rows.slice();
    [next[i], next[j]] = [next[j]!, next[i]!];
    setRows(next);
    changed();
    // the focus stays on what the clerk was on, now in its new place
    setFocus({ id, on: on === 'up' && j === 0 ? 'down' : on === 'down' && j === rows.length - 1 ? 'up' : on });
  }
  function remove(id: number) {
    const i = rows.findIndex((r) => r.id === id);
    const next = rows.filter((r) => r.id !== id);
    setRows(next);
    changed();
    const after = next[Math.min(i, next.length - 1)];
    if (after) setFocus({ id: after.id, on: 'remove' });
  }
  function add() {
    const id = nextId.current++;
    setRows((rs) => [...rs, { id, label: '', start: '', end: '' }]);
    changed();
    setFocus({ id, on: 'label' });
  }

  async function save() {
    if (busy) return;
    setRows((rs) => rs.map((r) => ({ ...r, start: slotClock(r.start), end: slotClock(r.end) })));
    setChecked(true);
    const found = slotListProblems(slots);
    if (found.length > 0) {
      setOther(t('branchSlots.refused'));
      const first = found.find((p) => p.index !== null);
      const row = first?.index != null ? rows[first.index] : undefined;
      if (row && first?.field) setFocus({ id: row.id, on: first.field });
      return;
    }
    setBusy(true);
    const r = await tryCall('slots:save', { branchId: branch.id, version: branch.version, slots });
    setBusy(false);
    if (r.ok) {
      useUi.getState().toast('success', t('branchSlots.saved', { branch: branch.name }));
      await saved();
      return;
    }
    const at = fieldOf(r.error.field);
    if (at) setServer({ ...at, text: errorText(r.error) });
    else setOther(errorText(r.error));
  }

  /** Alt+↑/↓ on any field of a row moves the row. */
  function onRowKey(e: KeyboardEvent, id: number, on: Focusable) {
    if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    move(id, e.key === 'ArrowUp' ? -1 : 1, on);
  }

  const field = (r: Row, i: number, f: SlotField) => {
    const problem = problemAt(i, f);
    const errorId = `slot-error-${i}-${f}`;
    return (
      <td>
        <input
          value={r[f]}
          className={f === 'label' ? 'slot-label' : 'slot-time'}
          inputMode={f === 'label' ? undefined : 'numeric'}
          maxLength={f === 'label' ? 40 : 8}
          placeholder={f === 'label' ? t('branchSlots.labelPlaceholder') : '09:00'}
          aria-label={`${t(`branchSlots.${f}`)} ${i + 1}`}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? errorId : undefined}
          data-slot={r.id}
          data-on={f}
          data-testid={`slot-${f}-${i}`}
          onChange={(e) => edit(r.id, f, e.target.value)}
          onBlur={() => {
            // written out as HH:MM on leaving the field, and nothing else: the blur of a click must not move the
            // layout under the pointer (a message going away), or the click lands elsewhere
            if (f !== 'label' && slotClock(r[f]) !== r[f])
              setRows((rs) => rs.map((x) => (x.id === r.id ? { ...x, [f]: slotClock(x[f]) } : x)));
          }}
          onKeyDown={(e) => onRowKey(e, r.id, f)}
        />
        {problem && (
          <p className="form-error" id={errorId} role="alert" data-testid={errorId}>
            {problem}
          </p>
        )}
      </td>
    );
  };

  return (
    <form
      className="card slots-editor"
      aria-label={t('branchSlots.slots', { branch: branch.name })}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>{t('branchSlots.slots', { branch: branch.name })}</h2>
      <table className="table compact slots-table" data-testid="slots-table">
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('branchSlots.order')}
            </th>
            <th scope="col">{t('branchSlots.label')}</th>
            <th scope="col">{t('branchSlots.start')}</th>
            <th scope="col">{t('branchSlots.end')}</th>
            <th scope="col">{t('branchSlots.shown')}</th>
            <th scope="col">
              <span className="sr-only">{t('common.edit')}</span>
            </th>
          </tr>
        </thead>
        <tbody ref={body}>
          {rows.map((r, i) => (
            <tr key={r.id} data-testid={`slot-row-${i}`}>
              <td className="num">{i + 1}</td>
              {field(r, i, 'label')}
              {field(r, i, 'start')}
              {field(r, i, 'end')}
              <td data-testid={`slot-shown-${i}`}>{slotTextOf(r) ?? '—'}</td>
              <td className="slot-actions">
                <button
                  type="button"
                  className="btn tiny ghost"
                  disabled={i === 0}
                  aria-label={t('branchSlots.up', { slot: name(r, i) })}
                  data-slot={r.id}
                  data-on="up"
                  data-testid={`slot-up-${i}`}
                  onClick={() => move(r.id, -1, 'up')}
                  onKeyDown={(e) => onRowKey(e, r.id, 'up')}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="btn tiny ghost"
                  disabled={i === rows.length - 1}
                  aria-label={t('branchSlots.down', { slot: name(r, i) })}
                  data-slot={r.id}
                  data-on="down"
                  data-testid={`slot-down-${i}`}
                  onClick={() => move(r.id, 1, 'down')}
                  onKeyDown={(e) => onRowKey(e, r.id, 'down')}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="btn tiny ghost"
                  aria-label={t('branchSlots.remove', { slot: name(r, i) })}
                  data-slot={r.id}
                  data-on="remove"
                  data-testid={`slot-remove-${i}`}
                  onClick={() => remove(r.id)}
                  onKeyDown={(e) => onRowKey(e, r.id, 'remove')}
                >
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {listProblems.map((p) => (
        <p key={p.key} className="form-error" role="alert" data-testid="slots-problem">
          {t(`branchSlots.problems.${p.key}`)}
        </p>
      ))}
      {other && (
        <p className="form-error" role="alert" data-testid="slots-error">
          {other}
        </p>
      )}
      <div className="actions">
        <span className="hint">
          {dirty ? `${t('branchSlots.unsaved')} ` : ''}
          {t('branchSlots.keys')}
        </span>
        <button type="button" className="btn" data-testid="slots-add" disabled={rows.length >= 12} onClick={add}>
          {t('branchSlots.add')}
        </button>
        <button
          type="button"
          className="btn ghost"
          data-testid="slots-reset"
          disabled={!dirty || busy}
          onClick={() => {
            setRows(toRows(branch.appointmentSlots));
            setChecked(false);
            changed();
          }}
        >
          {t('branchSlots.reset')}
        </button>
        <button type="submit" className="btn primary" data-testid="slots-save" disabled={busy || !dirty}>
          {t('branchSlots.save')}
        </button>
      </div>
    </form>
  );
}

/** A row as the branch PCs will list it, once its times make a slot. */
function slotTextOf(r: Row): string | null {
  const start = slotClock(r.start);
  const end = slotClock(r.end);
  const hhmm = /^\d{2}:\d{2}$/;
  if (!hhmm.test(start) || !hhmm.test(end) || start >= end) return null;
  return slotText({ start, end, ...(r.label.trim() ? { label: r.label.trim() } : {}) });
}
