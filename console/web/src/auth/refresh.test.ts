import { describe, expect, it } from 'vitest';
import type { Session } from '../api/types';
import { keepFresh, RETRY_MS } from './refresh';
import { msUntilRefresh, REFRESH_AHEAD_MS } from './session';

const user = { subject: 'u', name: 'u', roles: ['handler' as const] };
const HOUR = 60 * 60 * 1000;

function session(now: number, refreshToken?: string): Session {
  return {
    token: 'access-' + (refreshToken ?? 'none'),
    expires_at: new Date(now + HOUR).toISOString(),
    user,
    ...(refreshToken ? { refresh_token: refreshToken, refresh_expires_at: new Date(now + 12 * HOUR).toISOString() } : {}),
  };
}

// fakeClock runs the timers keepFresh sets by hand.
function fakeClock(start: number) {
  let t = start;
  let timers: { at: number; f: () => void; id: number }[] = [];
  let next = 1;
  return {
    now: () => t,
    setTimer: (f: () => void, ms: number) => {
      timers.push({ at: t + ms, f, id: next });
      return next++;
    },
    clearTimer: (id: number) => {
      timers = timers.filter((x) => x.id !== id);
    },
    async advance(ms: number) {
      t += ms;
      for (;;) {
        const due = timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((x) => x !== due);
        due.f();
        await Promise.resolve();
        await Promise.resolve();
      }
    },
  };
}

describe('silent refresh', () => {
  it('refreshes before the hour ends, not after', () => {
    const now = Date.parse('2026-12-06T08:00:00Z');
    expect(msUntilRefresh(session(now, 'r1'), now)).toBe(HOUR - REFRESH_AHEAD_MS);
    expect(msUntilRefresh(session(now), now)).toBeNull();
  });

  it('swaps the refresh token once for the next pair before the access token expires', async () => {
    const start = Date.parse('2026-12-06T08:00:00Z');
    const clock = fakeClock(start);
    const sent: string[] = [];
    const renewed: Session[] = [];
    let ended = false;
    keepFresh(session(start, 'r1'), {
      refresh: async (rt) => {
        sent.push(rt);
        return session(clock.now(), 'r2');
      },
      renewed: (s) => renewed.push(s),
      ended: () => (ended = true),
      ...clock,
    });
    await clock.advance(HOUR - REFRESH_AHEAD_MS - 1);
    expect(sent).toEqual([]);
    await clock.advance(1);
    expect(sent).toEqual(['r1']);
    expect(renewed.map((s) => s.refresh_token)).toEqual(['r2']);
    await clock.advance(REFRESH_AHEAD_MS);
    expect(sent).toEqual(['r1']);
    expect(ended).toBe(false);
  });

  it('ends the session when the sign-in refuses the refresh token (revoked or reused), never sending it again', async () => {
    const start = Date.parse('2026-12-06T08:00:00Z');
    const clock = fakeClock(start);
    const sent: string[] = [];
    let ended = false;
    keepFresh(session(start, 'r1'), {
      refresh: async (rt) => {
        sent.push(rt);
        throw Object.assign(new Error('the session has ended; sign in again'), { status: 401 });
      },
      renewed: () => {
        throw new Error('got a renewal, want none');
      },
      ended: () => (ended = true),
      ...clock,
    });
    await clock.advance(HOUR);
    expect(ended).toBe(true);
    expect(sent).toEqual(['r1']);
  });

  it('tries again after a network failure, and ends the session at expiry without a refresh token', async () => {
    const start = Date.parse('2026-12-06T08:00:00Z');
    const clock = fakeClock(start);
    let calls = 0;
    const renewed: Session[] = [];
    keepFresh(session(start, 'r1'), {
      refresh: async () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('offline'), { status: 0 });
        return session(clock.now(), 'r2');
      },
      renewed: (s) => renewed.push(s),
      ended: () => {
        throw new Error('got the session ended, want it renewed');
      },
      ...clock,
    });
    await clock.advance(HOUR - REFRESH_AHEAD_MS);
    await clock.advance(RETRY_MS);
    expect(calls).toBe(2);
    expect(renewed).toHaveLength(1);

    let ended = false;
    const c2 = fakeClock(start);
    keepFresh(session(start), { refresh: async () => session(start), renewed: () => {}, ended: () => (ended = true), ...c2 });
    await c2.advance(HOUR - 1);
    expect(ended).toBe(false);
    await c2.advance(1);
    expect(ended).toBe(true);
  });
});
