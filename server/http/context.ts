import type { Request, Response } from 'express';
import type { RequestContext } from '../db/transaction.js';
import { DEFAULT_LOCALE, type Locale, localeFromAcceptLanguage } from '../i18n/index.js';

/** The authenticated caller: the row-level-security context plus what messages and audit need. */
export interface Actor extends RequestContext {
  username: string;
  /** the user's own language setting */
  locale: Locale;
}

interface Locals {
  actor?: Actor;
}

export function setActor(res: Response, actor: Actor): void {
  (res.locals as Locals).actor = actor;
}

export function actorOf(res: Response): Actor | undefined {
  return (res.locals as Locals).actor;
}

/**
 * The language of the answer: what the request asks for in Accept-Language (the client sends its UI language),
 * else the signed-in user's setting, else Korean.
 */
export function localeOf(req: Request, res: Response): Locale {
  return localeFromAcceptLanguage(req.get('accept-language')) ?? actorOf(res)?.locale ?? DEFAULT_LOCALE;
}
