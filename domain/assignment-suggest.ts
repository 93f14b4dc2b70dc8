// "Suggest assignments" for the board: proposes an installer for every unassigned order of one day. Capacity and
// skills are hard rules (the head office refuses the assignment otherwise); region is a preference; among equals
// the installer with the lowest load relative to capacity wins, so the day ends balanced. Pure and deterministic:
// the same input gives the same proposal, which the clerk reviews before anything is written.

export interface SuggestOrder {
  id: string;
  orderNo: string;
  city: string;
  itemCodes: readonly string[];
}
export interface SuggestInstaller {
  id: string;
  name: string;
  skillTags: readonly string[];
  regions: readonly string[];
  capacityPerDay: number;
  isActive: boolean;
}
export interface SkillRuleLike {
  itemPrefix: string;
  skillTag: string;
}

export interface Suggestion {
  orderId: string;
  installerId: string;
  /** no installer serving the order's city had room, so one from elsewhere was chosen */
  outsideRegion: boolean;
}
export interface Unplaced {
  orderId: string;
  reason: 'skill' | 'capacity';
  skills: string[];
}
export interface SuggestResult {
  suggestions: Suggestion[];
  unplaced: Unplaced[];
  /** load per installer after the suggestions */
  loads: Record<string, number>;
}

/** The skill each item code needs: the rule with the longest matching prefix. */
export function requiredSkills(itemCodes: readonly string[], rules: readonly SkillRuleLike[]): string[] {
  const byLength = [...rules].sort((a, b) => b.itemPrefix.length - a.itemPrefix.length);
  const skills = new Set<string>();
  for (const code of itemCodes) {
    const rule = byLength.find((r) => code.toUpperCase().startsWith(r.itemPrefix.toUpperCase()));
    if (rule) skills.add(rule.skillTag);
  }
  return [...skills].sort();
}

export function missingSkills(installer: Pick<SuggestInstaller, 'skillTags'>, skills: readonly string[]): string[] {
  return skills.filter((s) => !installer.skillTags.includes(s));
}

export function servesRegion(installer: Pick<SuggestInstaller, 'regions'>, city: string): boolean {
  return installer.regions.length === 0 || installer.regions.some((r) => city.includes(r) || r.includes(city));
}

export interface AssignmentWarnings {
  capacity: boolean;
  missingSkills: string[];
  outsideRegion: boolean;
}

/** What the board warns about before a manual assignment (drag-and-drop or keyboard). */
export function checkAssignment(
  order: SuggestOrder,
  installer: SuggestInstaller,
  currentLoad: number,
  rules: readonly SkillRuleLike[],
): AssignmentWarnings {
  return {
    capacity: currentLoad + 1 > installer.capacityPerDay,
    missingSkills: missingSkills(installer, requiredSkills(order.itemCodes, rules)),
    outsideRegion: !servesRegion(installer, order.city),
  };
}

export function suggestAssignments(input: {
  orders: readonly SuggestOrder[];
  installers: readonly SuggestInstaller[];
  /** orders each installer already has that day (counting against capacity) */
  loads: Readonly<Record<string, number>>;
  rules: readonly SkillRuleLike[];
}): SuggestResult {
  const active = input.installers.filter((i) => i.isActive && i.capacityPerDay > 0);
  const loads: Record<string, number> = {};
  for (const i of input.installers) loads[i.id] = input.loads[i.id] ?? 0;

  const needs = new Map(input.orders.map((o) => [o.id, requiredSkills(o.itemCodes, input.rules)]));
  const skilled = new Map(
    input.orders.map((o) => [o.id, active.filter((i) => missingSkills(i, needs.get(o.id)!).length === 0)]),
  );
  // most constrained first: an order only two installers can take should not lose them to an order anyone can take
  const queue = [...input.orders].sort(
    (a, b) =>
      skilled.get(a.id)!.length - skilled.get(b.id)!.length ||
      (a.orderNo < b.orderNo ? -1 : a.orderNo > b.orderNo ? 1 : 0),
  );

  const suggestions: Suggestion[] = [];
  const unplaced: Unplaced[] = [];
  for (const order of queue) {
    const candidates = skilled.get(order.id)!;
    const skills = needs.get(order.id)!;
    if (candidates.length === 0) {
      unplaced.push({ orderId: order.id, reason: 'skill', skills });
      continue;
    }
    const withRoom = candidates.filter((i) => loads[i.id]! < i.capacityPerDay);
    if (withRoom.length === 0) {
      unplaced.push({ orderId: order.id, reason: 'capacity', skills });
      continue;
    }
    const local = withRoom.filter((i) => servesRegion(i, order.city));
    const pool = local.length > 0 ? local : withRoom;
    let best = pool[0]!;
    for (const i of pool.slice(1)) {
      const ratio = (loads[i.id]! + 1) / i.capacityPerDay;
      const bestRatio = (loads[best.id]! + 1) / best.capacityPerDay;
      if (
        ratio < bestRatio ||
        (ratio === bestRatio && (i.name < best.name || (i.name === best.name && i.id < best.id)))
      )
        best = i;
    }
    loads[best.id]! += 1;
    suggestions.push({ orderId: order.id, installerId: best.id, outsideRegion: local.length === 0 });
  }
  const orderIndex = new Map(input.orders.map((o, i) => [o.id, i]));
  suggestions.sort((a, b) => orderIndex.get(a.orderId)! - orderIndex.get(b.orderId)!);
  return { suggestions, unplaced, loads };
}

/** Item codes out of an order's item summary ("에어컨 AC-1234 ×1, 세탁기 WM-77 ×2") when the lines are not at hand. */
export function itemCodesFromSummary(items: string): string[] {
  return [...items.matchAll(/\b([A-Z]{1,6}-?[A-Z0-9]*\d[A-Z0-9-]*)\b/g)].map((m) => m[1]!);
}
