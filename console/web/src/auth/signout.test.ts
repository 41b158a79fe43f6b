import { afterEach, describe, expect, it, vi } from 'vitest';
import { signOutSession } from '../api/client';

// Red team, session 12: signing out ends the session at the sign-in, so a
// copy of the refresh token taken earlier refreshes nothing.
describe('signOutSession', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the refresh token to the sign-in once', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(null, { status: 204 });
    });
    await signOutSession('rt-1');
    expect(calls).toHaveLength(1);
    expect(calls.map((c) => [c.url, c.init.method, JSON.parse(String(c.init.body))])).toEqual([
      ['/api/auth/sign-out', 'POST', { refresh_token: 'rt-1' }],
    ]);
  });

  it('sends nothing without a refresh token, and never throws', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('network down');
    });
    vi.stubGlobal('fetch', fetch);
    await signOutSession('');
    expect(fetch).not.toHaveBeenCalled();
    await expect(signOutSession('rt-2')).resolves.toBeUndefined();
  });
});
