// What the assignment board shows for one day, derived from the local orders and installers.
import {
  checkAssignment,
  itemCodesFromSummary,
  type SkillRuleLike,
  type SuggestOrder,
  suggestAssignments,
} from '../../domain/assignment-suggest.js';
import type { InstallerRow } from '../../domain/client-api.js';
import type { OrderRow } from '../../domain/order-row.js';
import { CAPACITY_STATUSES } from '../../domain/order-status.js';

export interface InstallerColumn {
  installer: InstallerRow;
  orders: OrderRow[];
  load: number;
}
export interface BoardModel {
  unassigned: OrderRow[];
  columns: InstallerColumn[];
}

export function toSuggestOrder(o: OrderRow): SuggestOrder {
  return {
    id: o.id,
    orderNo: o.orderNo,
    city: o.address.city,
    itemCodes: o.itemCodes ?? itemCodesFromSummary(o.items),
  };
}

export function boardModel(rows: readonly OrderRow[], installers: readonly InstallerRow[], date: string): BoardModel {
  const unassigned: OrderRow[] = [];
  const byInstaller = new Map<string, OrderRow[]>();
  for (const o of rows) {
    if (o.appointmentDate !== date) continue;
    if (o.status === '미배정' && !o.installerId) unassigned.push(o);
    else if (o.installerId) {
      const list = byInstaller.get(o.installerId) ?? [];
      list.push(o);
      byInstaller.set(o.installerId, list);
    }
  }
  const byTime = (a: OrderRow, b: OrderRow) =>
    (a.appointmentTimeWindow?.start ?? '').localeCompare(b.appointmentTimeWindow?.start ?? '') ||
    a.orderNo.localeCompare(b.orderNo);
  unassigned.sort(byTime);
  const columns = installers
    .filter((i) => i.isActive || byInstaller.has(i.id))
    .map((installer) => {
      const orders = (byInstaller.get(installer.id) ?? []).sort(byTime);
      return { installer, orders, load: orders.filter((o) => CAPACITY_STATUSES.includes(o.status)).length };
    })
    .sort((a, b) => a.installer.name.localeCompare(b.installer.name, 'ko'));
  return { unassigned, columns };
}

/** 20 installers and more: the board shows them as a compact list (one row each) so a day fits one screen. */
export const COMPACT_BOARD_FROM = 20;

/** A skill tag as the clerk reads it: the name the skill rules carry (reference data), else the tag itself. */
export function skillLabel(
  tag: string,
  rules: readonly { skillTag: string; skillNameKo?: string | null; skillNameEn?: string | null }[],
  lang: string,
): string {
  const named = rules.find((r) => r.skillTag === tag && (lang === 'en' ? r.skillNameEn : r.skillNameKo));
  return (lang === 'en' ? named?.skillNameEn : named?.skillNameKo) ?? tag;
}

export function warningsFor(order: OrderRow, column: InstallerColumn, rules: readonly SkillRuleLike[]) {
  return checkAssignment(toSuggestOrder(order), column.installer, column.load, rules);
}

/** One row of the suggestion review: the clerk may change the installer or skip the order. */
export interface ReviewRow {
  order: OrderRow;
  installerId: string | null;
  outsideRegion: boolean;
}

export function suggestForDay(model: BoardModel, rules: readonly SkillRuleLike[]) {
  const result = suggestAssignments({
    orders: model.unassigned.map(toSuggestOrder),
    installers: model.columns.map((c) => c.installer),
    loads: Object.fromEntries(model.columns.map((c) => [c.installer.id, c.load])),
    rules,
  });
  const byId = new Map(model.unassigned.map((o) => [o.id, o]));
  const rows: ReviewRow[] = result.suggestions.map((s) => ({
    order: byId.get(s.orderId)!,
    installerId: s.installerId,
    outsideRegion: s.outsideRegion,
  }));
  const unplaced = result.unplaced.map((u) => ({ order: byId.get(u.orderId)!, reason: u.reason, skills: u.skills }));
  return { rows, unplaced };
}

/** Loads per installer if the reviewed rows were applied (to warn while the clerk edits the proposal). */
export function reviewLoads(model: BoardModel, rows: readonly ReviewRow[]): Record<string, number> {
  const loads: Record<string, number> = Object.fromEntries(model.columns.map((c) => [c.installer.id, c.load]));
  for (const r of rows) if (r.installerId) loads[r.installerId] = (loads[r.installerId] ?? 0) + 1;
  return loads;
}
