// What every screen-handler module needs: refusing a call as the contract's {code, message, field?} error,
// the signed-in session, the role check and the user's file store next to their database.
import { dirname } from 'node:path';
import { type Action, can } from '../../domain/roles.js';
import { FileStore, filesDir } from './file-store.js';
import type { ScreenContext, SessionLike } from './session-like.js';

export function fail(code: string, message: string, field?: string, details?: unknown): never {
  throw { code, message, ...(field ? { field } : {}), ...(details !== undefined ? { details } : {}) };
}

export function currentSession(ctx: ScreenContext): SessionLike {
  const s = ctx.current();
  if (!s) fail('UNAUTHORIZED', 'Log in first.');
  return s;
}

export function requireAction(s: SessionLike, action: Action): void {
  if (!can(s.session.user.role, action)) fail('FORBIDDEN', `Your role may not do this (${action}).`);
}

/** The per-user databases live in the data folder; files sit next to them (FileStore keeps no state but its folder). */
export function dataDirOf(s: SessionLike): string {
  return dirname(s.store.file);
}

export function fileStoreOf(s: SessionLike): FileStore {
  return new FileStore(filesDir(dataDirOf(s)));
}
