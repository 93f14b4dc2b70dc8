// GET /metrics in the Prometheus text format. Each app has its own registry (several apps in one process —
// tests — must not share counters). Routes are labelled by their template (/api/orders/:id), taken from the
// route descriptions, so label cardinality stays bounded whatever ids clients send.
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ReportReads } from '../db/reports.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { NotificationHub } from '../notifications/notification-stream.js';
import type { RouteDoc } from '../openapi/registry.js';
import type { SyncMarks } from '../sync/sync.marks.js';
import { requestStart } from './request-log.js';

interface RouteMatcher {
  method: string;
  re: RegExp;
  label: string;
}

function compile(routes: readonly Pick<RouteDoc, 'method' | 'path'>[]): RouteMatcher[] {
  return routes.map((r) => ({
    method: r.method.toUpperCase(),
    re: new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`),
    label: r.path,
  }));
}

export interface MetricsSources {
  pool: pg.Pool;
  routes: readonly Pick<RouteDoc, 'method' | 'path'>[];
  jobs?: JobQueue;
  hub?: NotificationHub;
  reports?: ReportReads;
  /** the idle pull from memory (server/sync/sync.marks.ts) */
  syncMarks?: SyncMarks;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;
  /** rows branch clients found wrong in their copy against a sync checkpoint and repaired (they report them) */
  readonly syncRepairs: Counter<'entity'>;
  /** checkpoint buckets that differed on a client and were fetched to be compared row by row */
  readonly syncCheckpointMismatches: Counter<'entity'>;
  private readonly matchers: RouteMatcher[];

  constructor(sources: MetricsSources) {
    this.matchers = compile(sources.routes);
    collectDefaultMetrics({ register: this.registry });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template, method and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.syncRepairs = new Counter({
      name: 'sync_repairs_total',
      help: 'rows of a branch client copy found wrong against a sync checkpoint and repaired, per table',
      labelNames: ['entity'],
      registers: [this.registry],
    });
    this.syncCheckpointMismatches = new Counter({
      name: 'sync_checkpoint_mismatches_total',
      help: 'sync checkpoint buckets a client found different from its copy (then compared row by row), per table',
      labelNames: ['entity'],
      registers: [this.registry],
    });
    const { pool, jobs, hub, reports, syncMarks } = sources;
    if (syncMarks) {
      new Gauge({
        name: 'sync_idle_pulls',
        help: 'pulls of up-to-date clients this instance asked its in-memory marks about, by who answered (memory or database), since start',
        labelNames: ['answer'],
        registers: [this.registry],
        collect() {
          this.set({ answer: 'memory' }, syncMarks.counts.fast);
          this.set({ answer: 'database' }, syncMarks.counts.database);
        },
      });
    }
    new Gauge({
      name: 'db_pool_connections',
      help: 'dispatch_app pool connections by state (total, idle, waiting = requests queued for a connection)',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    if (jobs) {
      new Gauge({
        name: 'job_queue_depth',
        help: 'jobs waiting to run (created or retrying) per queue',
        labelNames: ['queue'],
        registers: [this.registry],
        async collect() {
          for (const [queue, n] of Object.entries(await jobs.depth())) this.set({ queue }, n);
        },
      });
    }
    if (reports?.hasReplica) this.reportGauges(reports);
    if (hub) {
      new Gauge({
        name: 'notification_streams',
        help: 'SSE notification streams open on this instance',
        registers: [this.registry],
        collect() {
          this.set(hub.size);
        },
      });
    }
  }

  // a replica that is always behind shows as reads going to the primary; lag is Infinity until it was caught up
  private reportGauges(reports: ReportReads): void {
    new Gauge({
      name: 'report_reads',
      help: 'report reads (FR-07, FR-08, ECOAS, exports) since start, by where they ran (replica or primary)',
      labelNames: ['target'],
      registers: [this.registry],
      collect() {
        for (const [target, n] of Object.entries(reports.counts)) this.set({ target }, n);
      },
    });
    new Gauge({
      name: 'report_replica_lag_seconds',
      help: 'seconds since the report replica was last seen holding everything the primary had written',
      registers: [this.registry],
      collect() {
        const lag = reports.lagSeconds();
        if (Number.isFinite(lag)) this.set(lag);
      },
    });
  }

  /** method and path → route label: the same few paths come again and again; bounded, ids make others */
  private readonly routeLabels = new Map<string, string>();

  routeOf(method: string, url: string): string {
    const q = url.indexOf('?');
    const key = `${method} ${q >= 0 ? url.slice(0, q) : url}`;
    let label = this.routeLabels.get(key);
    if (label === undefined) {
      const path = key.slice(method.length + 1);
      label = this.matchers.find((m) => m.method === method && m.re.test(path))?.label ?? 'unmatched';
      if (this.routeLabels.size >= 2_000) this.routeLabels.clear();
      this.routeLabels.set(key, label);
    }
    return label;
  }

  /**
   * Times every request from its arrival (requestStart: a request the idle pull passed on was timed from when it
   * came); event streams are left out (their "latency" is the session's length).
   */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const start = requestStart(req);
      res.on('finish', () => {
        if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
        this.duration.observe(
          { method: req.method, route: this.routeOf(req.method, req.originalUrl), status_code: res.statusCode },
          (performance.now() - start) / 1000,
        );
      });
      next();
    };
  }

  private idlePullTimer: ReturnType<Histogram<'method' | 'route' | 'status_code'>['labels']> | undefined;

  /** An idle pull answered from memory ahead of middleware(): counted and timed as middleware() would. */
  idlePullAnswered(start: number): void {
    this.idlePullTimer ??= this.duration.labels({
      method: 'GET',
      route: this.routeOf('GET', '/api/sync/changes'),
      status_code: 200,
    });
    this.idlePullTimer.observe((performance.now() - start) / 1000);
  }
}
