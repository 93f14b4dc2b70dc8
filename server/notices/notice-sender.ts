// Sending the queued notices. Two steps, both as SYSTEM (the jobs' context, 0025/0106):
//  1. the dispatcher (every NOTICE_DISPATCH_SECONDS, any instance, rows locked SKIP LOCKED) hands each queued
//     notice to pg-boss in the same transaction that records the job id — a notice gets exactly one job — and
//     holds what falls in the quiet hours (21:00–08:00 KST) until 08:00, when it hands them over;
//  2. the job (queue notice-send, retried with back-off) sends it: 알림톡 first, the text as SMS/LMS when 알림톡
//     is refused. The notice row stays locked while the provider is asked, so two workers never send one notice;
//     a notice no longer QUEUED (sent by an earlier attempt, skipped, held) is left alone — a retried job never
//     sends twice. A provider that does not answer throws: pg-boss retries; the last attempt fails the notice.
// A failed notice tells the branch's managers (FR-11, category NOTICE_FAILED).
import type pg from 'pg';
import { renderNotice, textChannel } from '../../domain/notices.js';
import type { Tx } from '../db/transaction.js';
import { withSystemTransaction } from '../db/transaction.js';
import { type JobQueue, QUEUES } from '../jobs/job-queue.js';
import type { Logger } from '../logger.js';
import { usersOfBranchWithRole } from '../notifications/notifications.repository.js';
import { notify } from '../notifications/notifications.service.js';
import { type DeliveryReport, type NoticeProvider, ProviderUnavailable } from './notice-provider.js';
import * as repo from './notices.repository.js';
import { isQuietHour, quietHoursEnd } from './quiet-hours.js';

export interface SenderDeps {
  pool: pg.Pool;
  jobs: JobQueue;
  provider: NoticeProvider;
  logger: Logger;
  now: () => Date;
  /** a queued notice younger than this (by the database's clock) waits: a newer one may still supersede it */
  coalesceSeconds?: number;
}

const DISPATCH_BATCH = 200;

/** One dispatcher run: returns how many notices were handed to the queue and how many were held. */
export async function dispatchNotices(deps: Omit<SenderDeps, 'provider'>): Promise<{ queued: number; held: number }> {
  const now = deps.now();
  return withSystemTransaction(deps.pool, async (tx) => {
    const due = await repo.lockDue(tx, now, DISPATCH_BATCH, deps.coalesceSeconds ?? 0);
    let queued = 0;
    let held = 0;
    for (const n of due) {
      if (isQuietHour(now)) {
        if (n.status !== 'HELD') {
          await repo.update(tx, n.id, { status: 'HELD', holdUntil: quietHoursEnd(now) });
          held++;
        }
        continue;
      }
      const jobId = await deps.jobs.send(QUEUES.noticeSend, { noticeId: n.id }, { tx });
      await repo.update(tx, n.id, { status: 'QUEUED', jobId, holdUntil: null });
      queued++;
    }
    return { queued, held };
  });
}

async function failNotice(tx: Tx, n: repo.NoticeRow, reason: string, now: Date): Promise<void> {
  await repo.update(tx, n.id, { status: 'FAILED', reason, failedAt: now });
  await notify(tx, {
    userIds: await usersOfBranchWithRole(tx, n.branchId, 'BRANCH_MANAGER'),
    category: 'NOTICE_FAILED',
    orderId: n.orderId,
    payload: { orderNo: n.orderNo, event: n.event, noticeId: n.id, failure: reason },
  });
}

export type SendOutcome = 'SENT' | 'FAILED' | 'HELD' | 'SKIPPED' | 'RETRY' | 'NOTHING';

/**
 * The notice-send job. `attempt` says whether pg-boss will retry after this one; on the last attempt a provider
 * that does not answer fails the notice instead of throwing.
 */
export async function sendNotice(deps: SenderDeps, noticeId: string, attempt: { last: boolean }): Promise<SendOutcome> {
  let unavailable: ProviderUnavailable | undefined;
  const outcome = await withSystemTransaction(deps.pool, async (tx): Promise<SendOutcome> => {
    const n = await repo.lockOne(tx, noticeId);
    if (!n || n.status !== 'QUEUED') return 'NOTHING';
    const now = deps.now();
    if (await repo.optedOut(tx, n.orderId)) {
      await repo.update(tx, n.id, { status: 'SKIPPED', reason: 'OPTED_OUT' });
      return 'SKIPPED';
    }
    if (isQuietHour(now)) {
      // a job delayed (or retried) into the night: the dispatcher hands it over again at 08:00
      await repo.update(tx, n.id, { status: 'HELD', holdUntil: quietHoursEnd(now), jobId: null });
      return 'HELD';
    }
    if (!n.recipient) {
      await failNotice(tx, n, 'NO_PHONE', now);
      return 'FAILED';
    }
    const template = await repo.template(tx, n.event);
    if (!template) {
      await failNotice(tx, n, 'NO_TEMPLATE', now);
      return 'FAILED';
    }
    const attempts = n.attempts + 1;
    try {
      let kakaoRefusal: string | undefined;
      if (n.channel !== 'SMS' && n.channel !== 'LMS') {
        const r = await deps.provider.send(
          { channel: 'ALIMTALK', kakaoTemplateId: template.kakaoTemplateId },
          n.recipient,
          n.variables,
        );
        if (r.kind === 'accepted') {
          await repo.update(tx, n.id, {
            status: 'SENT',
            channel: 'ALIMTALK',
            providerMessageId: r.messageId,
            attempts,
            sentAt: deps.now(),
            reason: null,
          });
          return 'SENT';
        }
        kakaoRefusal = r.reason;
      }
      const text = renderNotice(template.smsBody ?? template.body, n.variables);
      const channel = textChannel(text);
      const r = await deps.provider.send(
        channel === 'LMS' ? { channel, text, subject: '알림' } : { channel, text },
        n.recipient,
        n.variables,
      );
      const earlier = kakaoRefusal ?? n.reason;
      if (r.kind === 'accepted') {
        await repo.update(tx, n.id, {
          status: 'SENT',
          channel,
          providerMessageId: r.messageId,
          attempts,
          sentAt: deps.now(),
          reason: earlier ? `ALIMTALK ${earlier}` : null,
        });
        return 'SENT';
      }
      await repo.update(tx, n.id, { attempts, channel });
      await failNotice(tx, n, earlier ? `ALIMTALK ${earlier}; ${channel} ${r.reason}` : `${channel} ${r.reason}`, now);
      return 'FAILED';
    } catch (err) {
      if (!(err instanceof ProviderUnavailable)) throw err;
      if (attempt.last) {
        await repo.update(tx, n.id, { attempts });
        await failNotice(tx, n, `PROVIDER_UNAVAILABLE ${err.message}`, now);
        return 'FAILED';
      }
      await repo.update(tx, n.id, { attempts, reason: `PROVIDER_UNAVAILABLE ${err.message}` });
      unavailable = err;
      return 'RETRY';
    }
  });
  // thrown once the attempt is recorded: pg-boss retries the job after its back-off
  if (unavailable) throw unavailable;
  return outcome;
}

/**
 * Delivery reports from the provider's webhook: DELIVERED marks the notice; a failed 알림톡 goes out again as
 * SMS/LMS (queued for the dispatcher); a failed text fails the notice and tells the branch. Reports of unknown
 * messages are ignored (another deployment's, or a notice deleted with its order). Returns how many applied.
 */
export async function applyDeliveryReports(
  deps: Pick<SenderDeps, 'pool' | 'now'>,
  reports: DeliveryReport[],
): Promise<number> {
  let applied = 0;
  await withSystemTransaction(deps.pool, async (tx) => {
    for (const report of reports) {
      if (report.outcome === 'PENDING') continue;
      const n = await repo.byProviderMessage(tx, report.messageId);
      if (!n || n.status !== 'SENT') continue;
      const now = deps.now();
      if (report.outcome === 'DELIVERED') {
        await repo.update(tx, n.id, { status: 'DELIVERED', deliveredAt: now });
      } else if (n.channel === 'ALIMTALK') {
        const template = await repo.template(tx, n.event);
        const text = template ? renderNotice(template.smsBody ?? template.body, n.variables) : '';
        await repo.update(tx, n.id, {
          status: 'QUEUED',
          channel: textChannel(text),
          jobId: null,
          reason: report.reason ?? 'FAILED',
        });
      } else {
        await failNotice(tx, n, `${n.channel} ${report.reason ?? 'FAILED'}`, now);
      }
      applied++;
    }
  });
  return applied;
}

/** Registers the notice-send worker and starts the dispatcher loop; returns its stop. */
export async function startNoticeSender(deps: SenderDeps, dispatchSeconds: number): Promise<() => void> {
  await deps.jobs.work<{ noticeId: string }>(QUEUES.noticeSend, async (data, job) => {
    const last = job.retryCount >= job.retryLimit;
    await sendNotice(deps, data.noticeId, { last });
  });
  if (dispatchSeconds <= 0) return () => {};
  let running = false;
  const tick = async () => {
    if (running || !deps.jobs.running) return;
    running = true;
    try {
      const r = await dispatchNotices(deps);
      if (r.queued || r.held) deps.logger.info(r, 'notices dispatched');
    } catch (err) {
      deps.logger.warn({ err }, 'notice dispatch failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), dispatchSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
