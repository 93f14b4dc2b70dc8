// No notice reaches a customer between 21:00 and 08:00 Korean time (KST, UTC+9 all year): one due then is held
// until 08:00. The clock is passed in, so tests move it instead of waiting.
const KST_OFFSET_MS = 9 * 3600_000;
export const QUIET_FROM_HOUR = 21;
export const QUIET_UNTIL_HOUR = 8;

function kstHour(now: Date): number {
  return new Date(now.getTime() + KST_OFFSET_MS).getUTCHours();
}

export function isQuietHour(now: Date): boolean {
  const h = kstHour(now);
  return h >= QUIET_FROM_HOUR || h < QUIET_UNTIL_HOUR;
}

/** The next 08:00 KST after `now` (the end of the quiet hours `now` lies in). */
export function quietHoursEnd(now: Date): Date {
  const kst = new Date(now.getTime() + KST_OFFSET_MS);
  const day = Date.UTC(kst.getUTCFullYear(), kst.getUTCMonth(), kst.getUTCDate());
  const eightToday = day + QUIET_UNTIL_HOUR * 3600_000 - KST_OFFSET_MS;
  return new Date(eightToday > now.getTime() ? eightToday : eightToday + 24 * 3600_000);
}
