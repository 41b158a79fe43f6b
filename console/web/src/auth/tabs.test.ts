import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../api/types';
import { joinTabs, type Tabs } from './tabs';

// The tabs' channel is a BroadcastChannel: the browser delivers it within
// one origin only, so another site cannot ask it. These are the attacks
// from inside the origin that the protocol itself must withstand.

const HOUR = 60 * 60 * 1000;

function session(subject: string, refreshToken: string, from = Date.now()): Session {
  return {
    token: 'access-' + refreshToken,
    expires_at: new Date(from + HOUR).toISOString(),
    user: { subject, name: subject, roles: ['handler'] },
    refresh_token: refreshToken,
    refresh_expires_at: new Date(from + 12 * HOUR).toISOString(),
  };
}

const opened: (Tabs | BroadcastChannel)[] = [];
// tabs.ts times its questions with window's timers.
beforeEach(() => vi.stubGlobal('window', globalThis));
afterEach(() => {
  opened.splice(0).forEach((t) => t.close());
  vi.unstubAllGlobals();
});

function tab(current: () => Session | null, adopted: Session[] = [], signOut = () => {}): Tabs {
  const t = joinTabs(current, (s) => adopted.push(s), signOut);
  opened.push(t);
  return t;
}

function raw(): BroadcastChannel {
  const ch = new BroadcastChannel('claims-console.session');
  opened.push(ch);
  return ch;
}

const tick = () => new Promise((r) => setTimeout(r, 50));

describe('sessions shared across tabs', () => {
  it('gives a new tab the session of a signed-in tab, and nothing when no tab is signed in', async () => {
    const signedOut = tab(() => null);
    const asker = tab(() => null);
    expect(await asker.ask(200)).toBeNull();
    signedOut.close();
    const mine = session('handler-1', 'r1');
    tab(() => mine);
    expect((await tab(() => null).ask(1000))?.refresh_token).toBe('r1');
  });

  it('does not let another user’s announced session replace a signed-in tab’s', async () => {
    const adopted: Session[] = [];
    tab(() => session('handler-1', 'r1'), adopted);
    tab(() => null).announce(session('intruder', 'r-evil', Date.now() + HOUR));
    await tick();
    expect(adopted).toEqual([]);
  });

  it('ignores malformed messages instead of failing or adopting them', async () => {
    const adopted: Session[] = [];
    let signedOut = false;
    tab(() => null, adopted, () => (signedOut = true));
    const ch = raw();
    for (const m of [null, 'session', 42, {}, { type: 'session' }, { type: 'session', session: null }, { type: 'session', session: { user: null } },
      { type: 'session', session: { token: 't', expires_at: 'never', user: { subject: 'x' } } }]) {
      ch.postMessage(m);
    }
    await tick();
    expect(adopted).toEqual([]);
    expect(signedOut).toBe(false);
  });
});
