// The signed-in session, kept in the tab's sessionStorage: it ends with the
// tab or when the token expires, whichever comes first.

import type { Session } from '../api/types';
import { ROLES } from '../api/types';

const key = 'claims-console.session';

function valid(s: unknown): s is Session {
  if (typeof s !== 'object' || s === null) return false;
  const v = s as Partial<Session>;
  return (
    typeof v.token === 'string' &&
    typeof v.expires_at === 'string' &&
    typeof v.user === 'object' &&
    v.user !== null &&
    typeof v.user.subject === 'string' &&
    Array.isArray(v.user.roles) &&
    v.user.roles.every((r) => ROLES.includes(r))
  );
}

/** Milliseconds until s expires (negative once it has). */
export function msLeft(s: Session, now = Date.now()): number {
  return Date.parse(s.expires_at) - now;
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
