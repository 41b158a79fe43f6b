// One session across the tabs of a browser (issue 20). A claim opened in a
// new tab used to ask for a sign-in again: each tab kept its own session in
// sessionStorage. Now a new tab asks the open tabs over a BroadcastChannel
// and takes the session one of them answers; a refresh, a renewal and a
// sign-out are announced to every tab.
//
// The trade-off, chosen on purpose: the session (access and refresh token)
// still lives only in the tabs' memory and sessionStorage, never in
// localStorage, so it is gone when the last tab closes and nothing on disk
// outlives the browser session. A script injected into the page (XSS)
// could read it from sessionStorage before, and can ask the channel for it
// now: the exposure is the same, not longer. What is shared in
// localStorage is only the SHA-256 of refresh tokens already used, so
// that two tabs never send the same refresh token (a second use revokes
// the whole session at the sign-in); the refresh itself runs under a Web
// Lock, one tab at a time.

import type { Session } from '../api/types';
import { valid } from './session';

const channelName = 'claims-console.session';
const usedKey = 'claims-console.refresh-used';

type Message = { type: 'ask' } | { type: 'session'; session: Session } | { type: 'signed-out' };

/** The channel of this tab, or null where the browser has none. */
function openChannel(): BroadcastChannel | null {
  try {
    return typeof BroadcastChannel === 'function' ? new BroadcastChannel(channelName) : null;
  } catch {
    return null;
  }
}

export interface Tabs {
  /** Asks the other tabs for their session; null when none answers within ms. */
  ask: (ms: number) => Promise<Session | null>;
  /** Tells every other tab of the session now in use (after a sign-in or a refresh). */
  announce: (s: Session) => void;
  /** Tells every other tab the user signed out. */
  signedOut: () => void;
  /** The newest session any tab announced (this one's included). */
  latest: () => Session | null;
  close: () => void;
}

/**
 * Joins the tabs: current answers other tabs' questions, adopt takes a
 * session another tab announced, and signOut ends this tab's when another
 * tab's user signed out.
 */
export function joinTabs(current: () => Session | null, adopt: (s: Session) => void, signOut: () => void): Tabs {
  const ch = openChannel();
  let newest: Session | null = current();
  const waiting: ((s: Session) => void)[] = [];
  const newer = (s: Session) => !newest || Date.parse(s.expires_at) >= Date.parse(newest.expires_at);
  if (ch) {
    ch.onmessage = (ev: MessageEvent<unknown>) => {
      if (typeof ev.data !== 'object' || ev.data === null) return;
      const m = ev.data as Message;
      if (m.type === 'ask') {
        const s = current();
        if (s) ch.postMessage({ type: 'session', session: s } satisfies Message);
      } else if (m.type === 'session') {
        // The channel is the origin's, and a page of the origin may post
        // anything: only a well-formed session that expires is taken.
        if (!valid(m.session) || Number.isNaN(Date.parse(m.session.expires_at)) || !newer(m.session)) return;
        newest = m.session;
        waiting.splice(0).forEach((f) => f(m.session));
        if (current()?.user.subject === m.session.user.subject || !current()) adopt(m.session);
      } else if (m.type === 'signed-out') {
        newest = null;
        signOut();
      }
    };
  }
  return {
    ask: (ms) =>
      new Promise((resolve) => {
        if (!ch) return resolve(null);
        const timer = window.setTimeout(() => resolve(null), ms);
        waiting.push((s) => {
          window.clearTimeout(timer);
          resolve(s);
        });
        ch.postMessage({ type: 'ask' } satisfies Message);
      }),
    announce: (s) => {
      newest = s;
      ch?.postMessage({ type: 'session', session: s } satisfies Message);
    },
    signedOut: () => {
      newest = null;
      ch?.postMessage({ type: 'signed-out' } satisfies Message);
    },
    latest: () => newest,
    close: () => ch?.close(),
  };
}

async function sha256(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Refreshes s once across every tab: under a Web Lock, a refresh token some
 * tab already sent is not sent again; the session that tab announced is
 * taken instead (waiting up to 3 s for it). send is the call to the sign-in.
 */
export async function refreshAcrossTabs(s: Session, tabs: Tabs, send: (refreshToken: string) => Promise<Session>): Promise<Session> {
  const token = s.refresh_token;
  if (!token) throw Object.assign(new Error('no refresh token'), { status: 401 });
  const run = async (): Promise<Session> => {
    const used = await sha256(token);
    let already = false;
    try {
      already = localStorage.getItem(usedKey) === used;
    } catch {
      // no storage: this tab alone decides
    }
    if (already) {
      for (let waited = 0; waited < 3000; waited += 100) {
        const l = tabs.latest();
        if (l && l.refresh_token !== token && l.user.subject === s.user.subject) return l;
        await new Promise((r) => window.setTimeout(r, 100));
      }
      throw Object.assign(new Error('the session was refreshed by another tab that did not answer'), { status: 401 });
    }
    try {
      localStorage.setItem(usedKey, used);
    } catch {
      // as above
    }
    let next: Session;
    try {
      next = await send(token);
    } catch (e) {
      const status = typeof e === 'object' && e !== null && 'status' in e ? (e as { status: number }).status : 0;
      // Not answered, so possibly not used: another try may send it.
      if (status === 0 || status >= 500) {
        try {
          localStorage.removeItem(usedKey);
        } catch {
          // as above
        }
      }
      throw e;
    }
    tabs.announce(next);
    return next;
  };
  const locks = (navigator as Navigator & { locks?: { request: <T>(name: string, f: () => Promise<T>) => Promise<T> } }).locks;
  return locks ? locks.request('claims-console.refresh', run) : run();
}
