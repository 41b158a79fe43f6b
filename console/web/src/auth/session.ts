// The signed-in session, kept in the tab's sessionStorage: it ends with the
// tab or when the token expires and cannot be refreshed, whichever comes
// first. The access token lives at most an hour; it is refreshed silently
// shortly before it expires, each refresh token used once (the sign-in
// revokes a session whose refresh token comes back a second time).

import type { Session } from '../api/types';
import { ROLES } from '../api/types';

const key = 'claims-console.session';

/** valid tells a well-formed session from anything else read or received. */
export function valid(s: unknown): s is Session {
  if (typeof s !== 'object' || s === null) return false;
  const v = s as Partial<Session>;
  return (
    typeof v.token === 'string' &&
    typeof v.expires_at === 'string' &&
    typeof v.user === 'object' &&
    v.user !== null &&
    typeof v.user.subject === 'string' &&
    Array.isArray(v.user.roles) &&
    v.user.roles.every((r) => ROLES.includes(r)) &&
    (v.refresh_token === undefined || typeof v.refresh_token === 'string') &&
    (v.refresh_expires_at === undefined || typeof v.refresh_expires_at === 'string')
  );
}

/** Milliseconds until s expires (negative once it has). */
export function msLeft(s: Session, now = Date.now()): number {
  return Date.parse(s.expires_at) - now;
}

/** How long before the access token expires it is refreshed. */
export const REFRESH_AHEAD_MS = 2 * 60 * 1000;

/** Reports whether s holds a refresh token that has not expired. */
export function canRefresh(s: Session, now = Date.now()): boolean {
  return !!s.refresh_token && !!s.refresh_expires_at && Date.parse(s.refresh_expires_at) > now;
}

/**
 * Milliseconds until s should be refreshed (0: now), or null when it cannot
 * be: then it ends when its access token expires. A short-lived token is
 * refreshed when a fifth of its life is left at the latest.
 */
export function msUntilRefresh(s: Session, now = Date.now()): number | null {
  if (!canRefresh(s, now)) return null;
  const left = msLeft(s, now);
  return Math.max(0, left - Math.min(REFRESH_AHEAD_MS, left / 5));
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(key);
    if (!raw) return null;
    const s: unknown = JSON.parse(raw);
    if (!valid(s) || msLeft(s) <= 0) {
      sessionStorage.removeItem(key);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) sessionStorage.setItem(key, JSON.stringify(s));
  else sessionStorage.removeItem(key);
}
