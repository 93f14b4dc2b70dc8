// A JSON answer the head office may take long to make: a push waiting for row locks another transaction holds, a
// large pull page on a loaded database. The branch client gives a request up when nothing arrives on it for its
// stall bound (15 s, main/sync/http-client.ts) — that is how it notices a connection a link reset left dead — and
// sends it again. So that only a dead connection reaches that bound, an answer not ready after one keep-alive
// period is **held**: its head (200, `X-Answer-Held: <period ms>`) goes out then, and a space every period after
// it (JSON allows whitespace before a value) until the answer itself ends the body. Once the head has gone the
// status cannot change: an error after it ends the body with `{"status": <the status it would have had>,
// "error": {…}}`, which the client treats exactly as that status (a 503 is resent, a 401 refreshes the tokens).
// An answer ready within the first period goes out as usual, with its own status. docs/sync-protocol.md.
import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { errorAnswer } from './error-handler.js';

/** The response header of a held answer; its value is the keep-alive period in milliseconds. */
export const HELD_ANSWER_HEADER = 'X-Answer-Held';

export interface HeldAnswerOptions {
  /** the keep-alive period: well below the client's stall bound (config `syncKeepAliveMs`, default 5 s) */
  keepAliveMs: number;
  logger?: Logger;
}

/** Sends the JSON text `work` makes, holding the connection alive while it works (see above). */
export async function sendHeld(
  req: Request,
  res: Response,
  opts: HeldAnswerOptions,
  work: () => Promise<string>,
): Promise<void> {
  // at least 10 ms: a period of 0 would write spaces without pause
  const period = Math.max(10, opts.keepAliveMs);
  let held = false;
  let timer: NodeJS.Timeout | undefined;
  const keepAlive = () => {
    if (res.writableEnded || res.destroyed) return;
    if (!held) {
      held = true;
      res.status(200).set({
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        // a buffering proxy in front (nginx) would keep the spaces from the client
        'X-Accel-Buffering': 'no',
        [HELD_ANSWER_HEADER]: String(period),
      });
      res.flushHeaders();
    }
    res.write(' ');
    timer = setTimeout(keepAlive, period);
  };
  timer = setTimeout(keepAlive, period);
  // a client gone away hears nothing more; the work itself goes on (a push's effects and records commit, and the
  // client's resend is answered from them)
  res.once('close', () => clearTimeout(timer));
  let text: string;
  try {
    text = await work();
  } catch (err) {
    clearTimeout(timer);
    if (!held) throw err;
    const answer = errorAnswer(err, req, res, opts.logger);
    res.end(JSON.stringify({ status: answer.status, ...answer.body }));
    return;
  }
  clearTimeout(timer);
  if (held) res.end(text);
  else res.status(200).type('application/json').send(text);
}
