// Korean telephone numbers in one written form. Clerks type and vendors' sheets carry the same number as
// 01012345678, 010 1234 5678, +82-10-1234-5678 or 010-1234-5678; stored and searched as typed, a customer's
// history (FR-16) would miss the orders written another way. Every phone that enters the system is brought to
// the dashed form below, and so is every phone searched for.

/** Numbers without a known Korean layout (foreign, extensions, too short) are kept as typed, only trimmed. */
export function normalizePhone(raw: string): string {
  return koreanPhone(raw) ?? raw.trim();
}

/** The written form of a number with a known Korean layout, or null (foreign, extension, too short, a typo). */
export function koreanPhone(raw: string): string | null {
  const typed = raw.trim();
  let digits = typed.replace(/[^0-9+]/g, '');
  if (digits.startsWith('+82')) digits = `0${digits.slice(3).replace(/^0/, '')}`;
  if (!/^[0-9]+$/.test(digits)) return null;
  const n = digits.length;
  // 1588-1234 and the like: nationwide representative numbers
  if (n === 8 && /^1[5-9]/.test(digits)) return `${digits.slice(0, 4)}-${digits.slice(4)}`;
  if (!digits.startsWith('0')) return null;
  // Seoul: 02 then 3 or 4 digits then 4
  if (digits.startsWith('02') && (n === 9 || n === 10)) return `02-${digits.slice(2, n - 4)}-${digits.slice(n - 4)}`;
  // mobile (010, 011, 016–019), regional (031 … 064) and internet phone (070): a 3-digit prefix
  if (/^0[1-9][0-9]/.test(digits) && !digits.startsWith('02') && (n === 10 || n === 11))
    return `${digits.slice(0, 3)}-${digits.slice(3, n - 4)}-${digits.slice(n - 4)}`;
  return null;
}
