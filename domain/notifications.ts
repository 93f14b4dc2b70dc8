// How many unread notifications are counted: beyond a badge's "99+" the exact number tells a user nothing, and
// counting it costs a read of every unread notification of the user (9,012 for one user at 5M orders), on every
// list, read-all and stream start. Server and client count at most this many.
export const UNREAD_COUNT_LIMIT = 100;

/** The badge text of an unread count: "99+" from 100 on. */
export function unreadBadge(count: number): string {
  return count > 99 ? '99+' : String(count);
}
