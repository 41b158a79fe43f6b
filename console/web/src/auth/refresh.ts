// Silent refresh of the signed-in session: shortly before the access token
// expires, its refresh token is exchanged, once, for the next pair.

import type { Session } from '../api/types';
import { msLeft, msUntilRefresh } from './session';

/** What keepFresh needs from its surroundings (the browser's, in the app). */
export interface RefreshDeps {
  refresh: (refreshToken: string) => Promise<Session>;
  /** The session goes on with the next token. */
  renewed: (s: Session) => void;
  /** The session has ended: expired, revoked, or its refresh token refused. */
  ended: () => void;
  now?: () => number;
  setTimer?: (f: () => void, ms: number) => number;
  clearTimer?: (id: number) => void;
}

/** How soon a refresh that failed for want of a network is tried again. */
export const RETRY_MS = 15 * 1000;

// setTimeout takes at most 2^31-1 ms.
const MAX_TIMER = 2 ** 31 - 1;

/**
 * Keeps s fresh: refreshes it when msUntilRefresh says, or ends it when its
 * access token expires and it cannot be refreshed. Each refresh token is
 * sent at most once, whatever the timers do; an answer of the sign-in
 * refusing it (a revoked session, or a reuse the sign-in caught) ends the
 * session, while a network failure is tried again until the access token
 * expires. Returns the function that stops it.
 */
export function keepFresh(s: Session, deps: RefreshDeps): () => void {
  const now = deps.now ?? Date.now;
  const setTimer = deps.setTimer ?? ((f, ms) => window.setTimeout(f, ms));
  const clearTimer = deps.clearTimer ?? ((id) => window.clearTimeout(id));
  let stopped = false;
  let sent = false;
  let timer: number | undefined;
  const schedule = (f: () => void, ms: number) => {
    timer = setTimer(f, Math.min(Math.max(ms, 0), MAX_TIMER));
  };
  const expire = () => {
    if (stopped) return;
    if (msLeft(s, now()) <= 0) deps.ended();
    else schedule(expire, msLeft(s, now()));
  };
  const attempt = () => {
    if (stopped || sent || !s.refresh_token) return;
    sent = true;
    deps.refresh(s.refresh_token).then(
      (next) => {
        if (!stopped) deps.renewed(next);
      },
      (e: unknown) => {
        if (stopped) return;
        const status = typeof e === 'object' && e !== null && 'status' in e ? (e as { status: number }).status : 0;
        if (status === 0 || status >= 500) {
          // Not answered, so possibly not used: the same token may go again.
          sent = false;
          if (msLeft(s, now()) > RETRY_MS) schedule(attempt, RETRY_MS);
          else schedule(expire, msLeft(s, now()));
          return;
        }
        deps.ended();
      },
    );
  };
  const due = msUntilRefresh(s, now());
  if (due === null) schedule(expire, msLeft(s, now()));
  else schedule(attempt, due);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimer(timer);
  };
}
