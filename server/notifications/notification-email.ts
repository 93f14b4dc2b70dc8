// The e-mail fallback of FR-11: notifications still unread after NOTIFY_EMAIL_AFTER_MINUTES are mailed once to
// users with an e-mail address, one message per user per run, in the user's own language. Runs as a job
// (server/jobs, every minute); the rows stay locked (SKIP LOCKED) while it mails, so instances never share one.
import nodemailer from 'nodemailer';
import type pg from 'pg';
import type { ServerConfig } from '../config.js';
import { withSystemTransaction } from '../db/transaction.js';
import { t } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import { type DueMail, lockDueForEmail, markEmailed } from './notifications.repository.js';
import { renderNotification } from './notifications.service.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer; `smtpUrl` like smtp://user:pass@host:587 (smtps:// for implicit TLS). */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text });
    },
    close() {
      transport.close();
    },
  };
}

/** Rows mailed per run; the next run (a minute later) takes the rest. */
const BATCH = 500;

export interface EmailRunResult {
  mailed: number;
  users: number;
  failedUsers: number;
}

function composeMail(user: DueMail, items: DueMail[], minutes: number): MailMessage {
  const locale = user.locale;
  const time = new Intl.DateTimeFormat(locale === 'ko' ? 'ko-KR' : 'en-GB', {
    timeZone: 'Asia/Seoul',
    dateStyle: 'short',
    timeStyle: 'short',
  });
  const lines = items.map((n) => {
    const { title, message } = renderNotification(n, locale);
    return `• ${time.format(n.createdAt)}  ${title}\n  ${message}`;
  });
  return {
    to: user.email,
    subject: t(locale, 'notifications.email.subject', { count: items.length }),
    text: [
      t(locale, 'notifications.email.greeting', { name: user.fullName }),
      t(locale, 'notifications.email.intro'),
      '',
      ...lines,
      '',
      t(locale, 'notifications.email.footer', { minutes }),
      '',
    ].join('\n'),
  };
}

export async function mailUnreadNotifications(deps: {
  pool: pg.Pool;
  mailer: Mailer;
  config: ServerConfig['notifications'];
  logger: Logger;
}): Promise<EmailRunResult> {
  const afterMinutes = deps.config.emailAfterMinutes;
  const maxAgeHours = deps.config.emailMaxAgeHours;
  return withSystemTransaction(deps.pool, async (tx) => {
    const due = await lockDueForEmail(tx, { afterMinutes, maxAgeHours, limit: BATCH });
    const byUser = new Map<string, DueMail[]>();
    for (const n of due) byUser.set(n.userId, [...(byUser.get(n.userId) ?? []), n]);
    const mailed: string[] = [];
    let failedUsers = 0;
    for (const items of byUser.values()) {
      const user = items[0]!;
      try {
        await deps.mailer.send(composeMail(user, items, afterMinutes));
        mailed.push(...items.map((n) => n.id));
      } catch (err) {
        // not marked: the next run tries this user again
        failedUsers++;
        deps.logger.warn({ err, userId: user.userId }, 'notification e-mail not sent');
      }
    }
    await markEmailed(tx, mailed);
    return { mailed: mailed.length, users: byUser.size - failedUsers, failedUsers };
  });
}
