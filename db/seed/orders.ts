// One order at a time, with everything hanging off it: its number, lines, status history (a walk through
// domain/order-status.ts TRANSITIONS), appointment changes, serials, waste pick-ups, a split child for 부분인수,
// and the notifications its events caused. Rows go straight into the COPY sinks.
import { canTransition, type OrderStatus, STATUSES_WITH_INSTALLER } from '../../domain/order-status.js';
import type { CopySink } from './copy-sink.js';
import {
  DAY_MS,
  date,
  HOUR_MS,
  json,
  kstDay,
  kstMidnight,
  kstWindow,
  MINUTE_MS,
  NULL,
  text,
  ts,
  uuid7,
} from './copy-text.js';
import { Prng, Weighted } from './prng.js';
import { type Branch, type Installer, koreanName, mobilePhone, type User, type World } from './reference.js';
import {
  BUILDINGS,
  ITEMS,
  type Item,
  POSTPONE_REASON_TEXT,
  REASON_CODES,
  REMARKS,
  STATUS_NOTES,
  STREETS,
  VENDORS,
  type Vendor,
} from './vocabulary.js';

export interface OrderSinks {
  orders: CopySink;
  orderNumbers: CopySink;
  lines: CopySink;
  history: CopySink;
  appointments: CopySink;
  waste: CopySink;
  serials: CopySink;
  splits: CopySink;
  notifications: CopySink;
}

export const SINK_TABLES: Record<keyof OrderSinks, { table: string; columns: string[] }> = {
  orders: {
    table: 'orders',
    columns: [
      'id',
      'order_no',
      'customer_name',
      'customer_phone',
      'address',
      'vendor',
      'branch_id',
      'partner_id',
      'installer_id',
      'status',
      'appointment_date',
      'appointment_time_window',
      'promised_date',
      'remarks',
      'version',
      'deleted_at',
      'created_at',
      'updated_at',
    ],
  },
  orderNumbers: { table: 'order_numbers', columns: ['order_no', 'order_id', 'order_created_at'] },
  lines: {
    table: 'order_lines',
    columns: [
      'id',
      'order_id',
      'order_created_at',
      'item_code',
      'item_name',
      'quantity',
      'weight',
      'version',
      'created_at',
      'updated_at',
    ],
  },
  history: {
    table: 'order_status_history',
    columns: [
      'id',
      'order_id',
      'order_created_at',
      'previous_status',
      'new_status',
      'changed_by',
      'changed_at',
      'reason_code',
      'notes',
    ],
  },
  appointments: {
    table: 'appointments',
    columns: [
      'id',
      'order_id',
      'order_created_at',
      'old_date',
      'new_date',
      'old_time_window',
      'new_time_window',
      'changed_by',
      'reason',
      'changed_at',
    ],
  },
  waste: {
    table: 'waste_pickups',
    columns: [
      'id',
      'order_id',
      'order_created_at',
      'code',
      'quantity',
      'status',
      'collected_by',
      'collected_at',
      'branch_id',
      'partner_id',
      'version',
      'created_at',
      'updated_at',
    ],
  },
  serials: {
    table: 'serial_numbers',
    columns: [
      'id',
      'order_line_id',
      'order_id',
      'order_created_at',
      'serial',
      'recorded_by',
      'recorded_at',
      'version',
      'updated_at',
    ],
  },
  splits: {
    table: 'split_orders',
    columns: [
      'id',
      'parent_order_id',
      'parent_order_created_at',
      'child_order_id',
      'child_order_created_at',
      'line_id',
      'quantity',
      'created_by',
      'created_at',
    ],
  },
  notifications: {
    table: 'notifications',
    columns: [
      'id',
      'user_id',
      'category',
      'order_id',
      'payload',
      'status',
      'read_at',
      'emailed_at',
      'version',
      'created_at',
      'updated_at',
    ],
  },
};

interface Customer {
  branch: Branch;
  city: string;
  name: string;
  phone: string;
  address: string; // jsonb text
}

interface Line {
  id: string;
  item: Item;
  quantity: number;
}

interface Step {
  status: OrderStatus;
  at: number;
  by: User | null;
  reason: string | null;
  note: string | null;
  installer: Installer | null; // the order's installer after this step
}

// What an order looks like by now depends on how far its appointment is from today.
const FUTURE = new Weighted<OrderStatus>([
  ['미배정', 45],
  ['배정', 25],
  ['배정확정', 10],
  ['연기', 8],
  ['취소', 6],
  ['의뢰취소', 6],
]);
const SOON = new Weighted<OrderStatus>([
  ['미배정', 8],
  ['배정', 15],
  ['배정확정', 35],
  ['출고확정', 25],
  ['연기', 7],
  ['취소', 5],
  ['의뢰취소', 5],
]);
const TODAY = new Weighted<OrderStatus>([
  ['출고확정', 15],
  ['출문', 30],
  ['인수', 35],
  ['부재', 8],
  ['부분인수', 3],
  ['연기', 4],
  ['취소', 3],
  ['회수', 2],
]);
const RECENT = new Weighted<OrderStatus>([
  ['인수', 70],
  ['부분인수', 4],
  ['부재', 6],
  ['회수', 3],
  ['연기', 4],
  ['취소', 8],
  ['의뢰취소', 5],
]);
const PAST = new Weighted<OrderStatus>([
  ['인수', 75],
  ['부분인수', 3],
  ['회수', 4],
  ['취소', 9],
  ['의뢰취소', 6],
  ['부재', 0.7],
  ['연기', 1.3],
]);
const LEAD_DAYS = new Weighted<number>([
  [1, 20],
  [2, 30],
  [3, 20],
  [4, 12],
  [5, 8],
  [6, 5],
  [7, 5],
]);
const LINE_COUNT = new Weighted<number>([
  [1, 70],
  [2, 22],
  [3, 8],
]);
const SLOTS: readonly (readonly [number, number])[] = [
  [9, 12],
  [12, 15],
  [15, 18],
  [18, 21],
];
// Statuses the demo forces once or twice so every one of the 12 is on screen, by where the appointment is.
const FORCE_ON_DELIVERY_DAY: readonly OrderStatus[] = ['출문', '부재', '인수', '부분인수', '회수'];
const FORCE_BEFORE: readonly OrderStatus[] = ['미배정', '배정', '배정확정', '출고확정', '연기', '취소', '의뢰취소'];

export interface OrderGeneratorOptions {
  seed: number;
  /** Orders to produce (split children count). */
  orders: number;
  nowMs: number;
  /** First instant orders are created at (a KST month start). */
  startMs: number;
  /** Notifications are written for events from here on (older ones would long be pruned from the inbox). */
  notifyFromMs: number;
  /** Force each of the 12 statuses onto a couple of orders (the demo must show all of them). */
  forceAllStatuses: boolean;
}

export class OrderGenerator {
  produced = 0;
  private readonly rng: Prng;
  private readonly todayDay: number;
  private readonly nowLimit: number;
  private readonly customerPool: number;
  private serialNo = 0;
  private readonly candidates = new Map<string, Installer[]>();
  private readonly forceLeft = new Map<OrderStatus, number>();
  /** Business time (08–20 KST per day) up to now, over which creation instants are spread. */
  private readonly businessMs: number;
  private readonly startDay: number;

  constructor(
    private readonly world: World,
    private readonly sinks: OrderSinks,
    private readonly opts: OrderGeneratorOptions,
  ) {
    this.rng = new Prng(opts.seed, 1);
    this.todayDay = kstDay(opts.nowMs);
    this.nowLimit = opts.nowMs - MINUTE_MS;
    this.customerPool = Math.max(50, Math.ceil(opts.orders * 0.7));
    this.startDay = kstDay(opts.startMs);
    const todayBusiness = Math.min(Math.max(opts.nowMs - (kstMidnight(this.todayDay) + 8 * HOUR_MS), 0), 12 * HOUR_MS);
    this.businessMs = (this.todayDay - this.startDay) * 12 * HOUR_MS + todayBusiness;
    if (opts.forceAllStatuses) for (const s of [...FORCE_ON_DELIVERY_DAY, ...FORCE_BEFORE]) this.forceLeft.set(s, 2);
  }

  /** Produces the next order (and a split child when it ends 부분인수). Returns false when done. */
  next(): boolean {
    if (this.produced >= this.opts.orders) return false;
    const u = (this.produced + this.rng.next() * 0.999) / this.opts.orders;
    const b = u * this.businessMs;
    const day = Math.floor(b / (12 * HOUR_MS));
    let created = kstMidnight(this.startDay + day) + 8 * HOUR_MS + (b - day * 12 * HOUR_MS);
    created = Math.min(Math.floor(created), this.nowLimit - MINUTE_MS);
    const customer = this.customer(this.rng.int(this.customerPool));
    this.order(created, customer, VENDORS.pick(this.rng), null);
    return true;
  }

  /** A customer is a function of its number, so repeat customers (same name, phone, address) recur. */
  private customer(n: number): Customer {
    const r = new Prng(this.opts.seed, 1_000_000 + n);
    const branch = this.world.branchPicker.pick(r);
    const place = r.pick(branch.spec.cities);
    const name = koreanName(r);
    const phone = mobilePhone(r);
    const apartment = r.chance(0.7);
    const address = {
      line1: `${place.city} ${r.pick(STREETS)} ${r.range(1, 480)}`,
      line2: apartment ? `${r.pick(BUILDINGS)} ${r.range(101, 125)}동 ${r.range(1, 25)}0${r.range(1, 6)}호` : undefined,
      city: place.city,
      postal: String(place.postal + r.int(400)).padStart(5, '0'),
    };
    return { branch, city: place.city, name, phone, address: json(address) };
  }

  private pickInstaller(branch: Branch, city: string, skill: string | null): Installer {
    const key = `${branch.index}|${city}|${skill}`;
    let list = this.candidates.get(key);
    if (!list) {
      const active = branch.installers.filter((i) => i.active);
      const skilled = active.filter((i) => !skill || i.skills.includes(skill));
      const local = skilled.filter((i) => i.regions.includes(city));
      list = local.length ? local : skilled.length ? skilled : active.length ? active : branch.installers;
      this.candidates.set(key, list);
    }
    return this.rng.pick(list);
  }

  private targetStatus(daysUntil: number, childOrder: boolean): OrderStatus {
    let s: OrderStatus;
    if (daysUntil >= 3) s = FUTURE.pick(this.rng);
    else if (daysUntil >= 1) s = SOON.pick(this.rng);
    else if (daysUntil === 0) s = TODAY.pick(this.rng);
    else if (daysUntil >= -3) s = RECENT.pick(this.rng);
    else s = PAST.pick(this.rng);
    if (this.forceLeft.size && !childOrder && daysUntil >= -1 && daysUntil <= 3) {
      const pool = daysUntil <= 0 ? FORCE_ON_DELIVERY_DAY : FORCE_BEFORE;
      const forced = pool.find((f) => (this.forceLeft.get(f) ?? 0) > 0);
      if (forced) {
        s = forced;
        const left = this.forceLeft.get(forced)! - 1;
        if (left) this.forceLeft.set(forced, left);
        else this.forceLeft.delete(forced);
      }
    }
    // A split child is the undelivered rest: it is not split again.
    if (s === '부분인수' && (childOrder || this.produced + 1 > this.opts.orders)) s = '인수';
    return s;
  }

  /** The walk of statuses ending in `target`; `postponeAt` is the 연기 step that moves the appointment. */
  private statusPath(target: OrderStatus, detour: boolean): { path: OrderStatus[]; postponeAt: number } {
    const r = this.rng;
    const forward: OrderStatus[] = ['미배정', '배정', '배정확정', '출고확정', '출문'];
    const upTo = (s: OrderStatus) => forward.slice(0, forward.indexOf(s) + 1);
    let path: OrderStatus[];
    switch (target) {
      case '미배정':
      case '배정':
      case '배정확정':
      case '출고확정':
      case '출문':
        path = upTo(target);
        break;
      case '인수':
      case '부분인수':
        path = [...forward, ...(r.chance(0.05) ? (['부재', '출문'] as const) : []), target];
        break;
      case '부재':
        path = [...forward, '부재'];
        break;
      case '회수':
        path = [...forward, ...(r.chance(0.5) ? (['인수'] as const) : []), '회수'];
        break;
      case '연기': {
        path = [...upTo(r.pick(['미배정', '배정', '배정확정'] as const)), '연기'];
        return { path, postponeAt: path.length - 1 };
      }
      case '취소':
        path = r.chance(0.1)
          ? [...forward, '부재', '취소']
          : [...upTo(r.pick(['미배정', '배정', '배정확정'] as const)), '취소'];
        return { path, postponeAt: -1 };
      case '의뢰취소':
        path = [...upTo(r.pick(['미배정', '배정', '출고확정'] as const)), '의뢰취소'];
        return { path, postponeAt: -1 };
    }
    if (!detour) return { path, postponeAt: -1 };
    // Postponed once after assignment, then assigned again (or back to unassigned if that is where it ends).
    if (target === '미배정') return { path: ['미배정', '배정', '연기', '미배정'], postponeAt: 2 };
    return { path: ['미배정', '배정', '연기', ...path.slice(1)], postponeAt: 2 };
  }

  /** Writes one order and its children; returns its id. */
  private order(
    created: number,
    customer: Customer,
    vendor: Vendor,
    parent: { no: string; lines: { item: Item; quantity: number }[]; installer: Installer | null } | null,
  ): string {
    const r = this.rng;
    const w = this.world;
    const s = this.sinks;
    const branch = customer.branch;
    this.produced++;
    const id = uuid7(created, r);
    const createdTs = ts(created);
    const createdDay = kstDay(created);
    const orderNo = parent
      ? `${parent.no}-S`
      : `${vendor.code}${date(createdDay).slice(2).replace(/-/g, '')}${String(this.produced).padStart(7, '0')}`;

    // Appointment: the promised day, maybe moved later by a postponement or a plain reschedule.
    const finalDay = createdDay + LEAD_DAYS.pick(r);
    const target = this.targetStatus(finalDay - this.todayDay, parent !== null);
    const detour = target !== '연기' && target !== '취소' && target !== '의뢰취소' && r.chance(0.08);
    const { path, postponeAt } = this.statusPath(target, detour);
    let initialDay = finalDay;
    if (postponeAt >= 0) initialDay = Math.max(createdDay, finalDay - r.range(1, 5));
    const reschedule = postponeAt < 0 && finalDay - 1 > createdDay && r.chance(0.04);
    if (reschedule) initialDay = finalDay - r.range(1, Math.min(3, finalDay - createdDay));
    const hasWindow = r.chance(0.6);
    const initialWindow = hasWindow ? this.window(initialDay) : NULL;
    const finalWindow = hasWindow ? (initialDay === finalDay ? initialWindow : this.window(finalDay)) : NULL;

    // Lines
    const lines: Line[] = [];
    if (parent) {
      for (const l of parent.lines) lines.push({ id: uuid7(created, r), item: l.item, quantity: l.quantity });
    } else {
      const n = LINE_COUNT.pick(r);
      for (let k = 0; k < n; k++) {
        const q = r.chance(0.9) ? 1 : r.chance(0.8) ? 2 : 3;
        lines.push({ id: uuid7(created, r), item: ITEMS.pick(r), quantity: q });
      }
      if (target === '부분인수' && lines.every((l) => l.quantity < 2)) lines[0]!.quantity = 2;
    }
    const mainItem = lines[0]!.item;

    // Status walk with times and actors.
    const steps: Step[] = [];
    let installer: Installer | null = null;
    let lastInstaller: Installer | null = null;
    let apptDay = initialDay;
    let prev = created;
    let postponedAt = 0;
    for (let k = 0; k < path.length; k++) {
      const status = path[k]!;
      const before = k > 0 ? path[k - 1]! : null;
      if (before !== null && !canTransition(before, status)) {
        throw new Error(`generator bug: ${before} → ${status} is not a transition of domain/order-status.ts`);
      }
      const D = kstMidnight(apptDay);
      let at: number;
      switch (status) {
        case '미배정':
          at = k === 0 ? created : prev + r.range(10, 180) * MINUTE_MS;
          break;
        case '배정':
          at =
            before === '연기'
              ? prev + r.range(60, 20 * 60) * MINUTE_MS
              : prev + (0.1 + 0.5 * r.next()) * Math.max(D - 14 * HOUR_MS - prev, HOUR_MS);
          break;
        case '배정확정':
          at = prev + (0.2 + 0.6 * r.next()) * Math.max(D - 6 * HOUR_MS - prev, 30 * MINUTE_MS);
          break;
        case '출고확정':
          at = Math.max(prev + 10 * MINUTE_MS, D - DAY_MS + r.range(15 * 60, 22 * 60) * MINUTE_MS);
          break;
        case '출문':
          at =
            before === '부재'
              ? prev + r.range(60, 240) * MINUTE_MS
              : Math.max(prev + 10 * MINUTE_MS, D + r.range(450, 600) * MINUTE_MS);
          break;
        case '부재':
          at = prev + r.range(60, 180) * MINUTE_MS;
          break;
        case '인수':
        case '부분인수':
          at = prev + r.range(60, 360) * MINUTE_MS;
          break;
        case '회수':
          at =
            before === '인수'
              ? prev + r.range(1, 10) * DAY_MS + r.range(0, 480) * MINUTE_MS
              : prev + r.range(60, 240) * MINUTE_MS;
          break;
        case '연기':
          at = prev + (0.2 + 0.7 * r.next()) * Math.max(D + 9 * HOUR_MS - prev, 30 * MINUTE_MS);
          break;
        default: // 취소, 의뢰취소
          at = prev + (0.1 + 0.9 * r.next()) * Math.max(D + 12 * HOUR_MS - prev, HOUR_MS);
      }
      // The first row is the INSERT's own (changed_at = created_at), the rest follow at least a minute apart.
      if (k > 0) at = Math.max(Math.floor(at), prev + MINUTE_MS);
      if (k === postponeAt) {
        apptDay = finalDay;
        postponedAt = k;
      }
      if (status === '배정') {
        // A split child goes back to the installer who delivered the rest; a re-assignment may change hands.
        if (!installer) installer = parent?.installer ?? this.pickInstaller(branch, customer.city, mainItem.skill);
        else if (r.chance(0.3)) installer = this.pickInstaller(branch, customer.city, mainItem.skill);
      }
      if (status === '미배정' && k > 0) installer = null;
      if (installer) lastInstaller = installer;
      steps.push({ status, at, by: null, reason: null, note: null, installer });
      prev = at;
    }
    // Events cannot lie in the future: squeeze any that would into the time left before now.
    const firstLate = steps.findIndex((st) => st.at > this.nowLimit);
    if (firstLate > 0) {
      const from = steps[firstLate - 1]!.at;
      const n = steps.length - firstLate + 1;
      for (let k = firstLate; k < steps.length; k++) {
        const squeezed = Math.floor(from + ((this.nowLimit - from) * (k - firstLate + 1)) / n);
        steps[k]!.at = Math.max(squeezed, steps[k - 1]!.at + 1); // strictly after the step before
      }
    }

    const manager = () => r.pick(branch.managers);
    const fieldUser = () => lastInstaller?.user ?? manager();
    for (const st of steps) {
      switch (st.status) {
        case '미배정':
          st.by = st === steps[0] ? w.hq[0]! : manager();
          break;
        case '배정확정':
        case '출고확정':
          st.by = lastInstaller?.partner && r.chance(0.6) ? lastInstaller.partner.coordinators[0]! : manager();
          break;
        case '출문':
        case '부재':
        case '인수':
        case '부분인수':
        case '회수':
          st.by = fieldUser();
          break;
        case '의뢰취소':
          st.by = w.hq[0]!;
          break;
        default:
          st.by = manager();
      }
      if (st.status === '연기') st.reason = r.pick(REASON_CODES.POSTPONE);
      else if (st.status === '부재') st.reason = r.pick(REASON_CODES.ABSENCE);
      else if (st.status === '취소') st.reason = r.pick(REASON_CODES.CANCEL);
      const notes = STATUS_NOTES[st.status];
      if (notes && r.chance(0.3)) st.note = r.pick(notes);
    }

    const last = steps[steps.length - 1]!;
    const finalInstaller = STATUSES_WITH_INSTALLER.includes(target) ? lastInstaller : null;
    const partner = target === '미배정' ? null : (lastInstaller?.partner ?? null);
    let updated = last.at;
    let version = steps.length;
    let rescheduledAt = 0;
    if (reschedule) {
      const until = steps.length > 1 ? steps[1]!.at : Math.min(created + DAY_MS, this.nowLimit);
      rescheduledAt = Math.floor(created + (until - created) * (0.2 + 0.6 * r.next()));
      version++;
      updated = Math.max(updated, rescheduledAt);
    }
    let deletedAt = 0;
    if ((target === '미배정' || target === '취소' || target === '의뢰취소') && r.chance(0.02)) {
      deletedAt = Math.min(last.at + r.range(10, 1440) * MINUTE_MS, this.nowLimit);
      version++;
      updated = Math.max(updated, deletedAt);
    }

    // Delivery: serials for serialised items, waste appliances taken back, and the split-off rest.
    const delivery = steps.find((st) => st.status === '인수' || st.status === '부분인수');
    let split: { line: Line; quantity: number; at: number } | null = null;
    if (delivery?.status === '부분인수') {
      const line = lines.find((l) => l.quantity >= 2)!;
      split = { line, quantity: r.range(1, line.quantity - 1), at: delivery.at };
    }

    s.orders.row(
      `${id}\t${orderNo}\t${customer.name}\t${customer.phone}\t${customer.address}\t${vendor.name}\t${branch.id}\t${partner?.id ?? NULL}\t${finalInstaller?.id ?? NULL}\t${target}\t${date(finalDay)}\t${finalWindow}\t${date(initialDay)}\t${r.chance(0.2) ? REMARKS.pick(r) : NULL}\t${version}\t${deletedAt ? ts(deletedAt) : NULL}\t${createdTs}\t${ts(updated)}`,
    );
    s.orderNumbers.row(`${orderNo}\t${id}\t${createdTs}`);
    for (const l of lines) {
      const splitHere = split?.line === l;
      const qty = splitHere ? l.quantity - split!.quantity : l.quantity;
      s.lines.row(
        `${l.id}\t${id}\t${createdTs}\t${l.item.code}\t${l.item.name}\t${qty}\t${(l.item.weightKg * qty).toFixed(2)}\t${splitHere ? 2 : 1}\t${createdTs}\t${splitHere ? ts(split!.at) : createdTs}`,
      );
    }
    let prevStatus = NULL;
    for (const st of steps) {
      s.history.row(
        `${uuid7(st.at, r)}\t${id}\t${createdTs}\t${prevStatus}\t${st.status}\t${st.by?.id ?? NULL}\t${ts(st.at)}\t${st.reason ?? NULL}\t${text(st.note)}`,
      );
      prevStatus = st.status;
    }
    if (postponeAt >= 0 || reschedule) {
      const at = reschedule ? rescheduledAt : steps[postponedAt]!.at;
      const by = reschedule ? manager() : steps[postponedAt]!.by;
      const reason = reschedule ? '고객 일정 변경' : POSTPONE_REASON_TEXT[steps[postponedAt]!.reason!]!;
      s.appointments.row(
        `${uuid7(at, r)}\t${id}\t${createdTs}\t${date(initialDay)}\t${date(finalDay)}\t${initialWindow}\t${finalWindow}\t${by?.id ?? NULL}\t${reason}\t${ts(at)}`,
      );
    }

    if (delivery) {
      const recorder = delivery.by;
      for (const l of lines) {
        if (!l.item.serial) continue;
        const units = split?.line === l ? l.quantity - split.quantity : l.quantity;
        for (let k = 0; k < units; k++) {
          const serial = `${vendor.code}${date(kstDay(delivery.at)).slice(2, 7).replace('-', '')}${l.item.code.slice(0, l.item.code.indexOf('-'))}${(++this.serialNo).toString(36).toUpperCase().padStart(7, '0')}`;
          s.serials.row(
            `${uuid7(delivery.at, r)}\t${l.id}\t${id}\t${createdTs}\t${serial}\t${recorder?.id ?? NULL}\t${ts(delivery.at)}\t1\t${ts(delivery.at)}`,
          );
        }
      }
      if (r.chance(0.35)) {
        const codes = [...new Set(lines.map((l) => l.item.waste))].slice(0, r.chance(0.8) ? 1 : 2);
        for (const code of codes) {
          const reported = delivery.at < this.nowLimit - 7 * DAY_MS && r.chance(0.9);
          const reportedAt = delivery.at + r.range(3, 7) * DAY_MS;
          s.waste.row(
            `${uuid7(delivery.at, r)}\t${id}\t${createdTs}\t${code}\t1\t${reported ? 'REPORTED' : 'COLLECTED'}\t${lastInstaller?.id ?? NULL}\t${ts(delivery.at)}\t${branch.id}\t${partner?.id ?? NULL}\t${reported ? 2 : 1}\t${ts(delivery.at)}\t${ts(reported ? reportedAt : delivery.at)}`,
          );
        }
      }
    } else if ((target === '배정확정' || target === '출고확정' || target === '출문') && r.chance(0.2)) {
      const plannedAt = steps.find((st) => st.status === '배정확정')?.at ?? created;
      s.waste.row(
        `${uuid7(plannedAt, r)}\t${id}\t${createdTs}\t${mainItem.waste}\t1\tPLANNED\t${NULL}\t${NULL}\t${branch.id}\t${partner?.id ?? NULL}\t1\t${ts(plannedAt)}\t${ts(plannedAt)}`,
      );
    }

    // Notifications caused by this order's events.
    for (let k = 0; k < steps.length; k++) {
      const st = steps[k]!;
      if (st.at < this.opts.notifyFromMs) continue;
      const payload = (extra?: Record<string, string>) =>
        json({
          orderNo,
          status: st.status,
          customerName: customer.name,
          appointmentDate: date(k >= postponedAt && postponeAt >= 0 ? finalDay : initialDay),
          ...extra,
        });
      if (st.status === '배정') {
        const who = st.installer;
        if (who?.user) this.notify(who.user, 'ASSIGNMENT', id, payload(), st.at);
        const coord = who?.partner?.coordinators[0];
        if (coord) this.notify(coord, 'ASSIGNMENT', id, payload({ installer: who!.name }), st.at);
      } else if (st.status === '부재' || st.status === '연기' || st.status === '취소' || st.status === '의뢰취소') {
        const category = st.status === '부재' ? 'ABSENCE' : st.status === '연기' ? 'POSTPONE' : 'CANCEL';
        const extra = st.reason ? { reasonCode: st.reason } : undefined;
        for (const m of branch.managers) this.notify(m, category, id, payload(extra), st.at);
        if (st.status === '취소') for (const h of w.hq) this.notify(h, category, id, payload(extra), st.at);
      }
    }

    if (split) {
      const childCreated = Math.min(split.at + r.range(1, 30) * MINUTE_MS, this.nowLimit - MINUTE_MS);
      const childId = this.order(childCreated, customer, vendor, {
        no: orderNo,
        lines: [{ item: split.line.item, quantity: split.quantity }],
        installer: lastInstaller,
      });
      const childTs = ts(childCreated);
      s.splits.row(
        `${uuid7(childCreated, r)}\t${id}\t${createdTs}\t${childId}\t${childTs}\t${split.line.id}\t${split.quantity}\t${manager().id}\t${childTs}`,
      );
    }
    return id;
  }

  /**
   * Settlement notices: the last three locked weeks of each branch reach its managers, its installers with a
   * login, the coordinators of the partners working there and HQ; a reopened week reaches the managers.
   */
  settlementNotices(): void {
    const w = this.world;
    for (const branch of w.branches) {
      const weeks = w.weeks.filter((s) => s.branch === branch && s.lockedAt !== null);
      const recipients = new Set<User>([...branch.managers, ...w.hq]);
      for (const i of branch.installers) {
        if (i.user) recipients.add(i.user);
        for (const c of i.partner?.coordinators ?? []) recipients.add(c);
      }
      for (const s of weeks.slice(-3)) {
        const payload = json({
          branchCode: branch.spec.code,
          periodStart: date(s.startDay),
          periodEnd: date(s.startDay + 6),
        });
        for (const u of recipients) this.notify(u, 'SETTLEMENT_LOCK', null, payload, s.lockedAt!);
      }
      for (const s of weeks.filter((x) => x.unlockedAt !== null)) {
        const payload = json({
          branchCode: branch.spec.code,
          periodStart: date(s.startDay),
          periodEnd: date(s.startDay + 6),
        });
        for (const u of branch.managers) this.notify(u, 'SETTLEMENT_UNLOCK', null, payload, s.unlockedAt!);
      }
    }
  }

  private window(day: number): string {
    const [from, to] = this.rng.pick(SLOTS);
    return kstWindow(day, from, to);
  }

  private notify(user: User, category: string, orderId: string | null, payload: string, at: number): void {
    const r = this.rng;
    const age = this.opts.nowMs - at;
    const read = age > 2 * DAY_MS ? r.chance(0.92) : age > 2 * HOUR_MS ? r.chance(0.5) : false;
    const readAt = read ? at + Math.floor(Math.min(age - MINUTE_MS, r.range(5, 2880) * MINUTE_MS)) : 0;
    const emailed = !read && age > HOUR_MS && user.email !== null;
    this.sinks.notifications.row(
      `${uuid7(at, r)}\t${user.id}\t${category}\t${orderId ?? NULL}\t${payload}\t${read ? 'READ' : 'UNREAD'}\t${read ? ts(readAt) : NULL}\t${emailed ? ts(at + HOUR_MS) : NULL}\t${read ? 2 : 1}\t${ts(at)}\t${ts(read ? readAt : at)}`,
    );
  }
}
