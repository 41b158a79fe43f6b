// The signed-in user and the API as they see it, for every page. The
// session is shared by the tabs of the browser (auth/tabs.ts): a new tab
// takes it from an open one, a refresh or a sign-out reaches every tab.

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Api, refreshSession, signOutSession } from './api/client';
import type { Session, User } from './api/types';
import { keepFresh } from './auth/refresh';
import { loadSession, saveSession } from './auth/session';
import { joinTabs, refreshAcrossTabs, type Tabs } from './auth/tabs';

export type SignOutReason = 'user' | 'expired';

interface SessionCtx {
  user: User;
  api: Api;
  signOut: (reason?: SignOutReason) => void;
  /** The session itself (its expiry; the token for the edge's own API). */
  session: Session;
  /** Refreshes the session now ("stay signed in"); false when it cannot be. */
  staySignedIn: () => Promise<boolean>;
}

const Ctx = createContext<SessionCtx | null>(null);

export function useSession(): SessionCtx {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside a signed-in page');
  return v;
}

/** How long a new tab waits for an open tab to hand it the session. */
const askMs = 400;

/** Holds the session; renders signedOut until someone signs in. */
export function SessionGate({
  signedOut,
  children,
}: {
  signedOut: (onSignedIn: (s: Session) => void, reason: SignOutReason | null) => ReactNode;
  children: ReactNode;
}) {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [asking, setAsking] = useState(() => session === null);
  const [reason, setReason] = useState<SignOutReason | null>(null);
  const current = useRef<Session | null>(session);
  current.current = session;
  const tabs = useRef<Tabs | null>(null);
  const adopt = useCallback((s: Session) => {
    saveSession(s);
    setSession(s);
    setReason(null);
  }, []);
  const endHere = useCallback((why: SignOutReason) => {
    saveSession(null);
    setSession(null);
    setReason(why);
  }, []);
  useEffect(() => {
    const t = joinTabs(() => current.current, adopt, () => endHere('user'));
    tabs.current = t;
    if (!current.current) {
      void t.ask(askMs).then((s) => {
        if (s && !current.current) adopt(s);
        setAsking(false);
      });
    }
    return () => t.close();
  }, [adopt, endHere]);
  const signOut = useCallback(
    (why: SignOutReason = 'user') => {
      if (why === 'user') {
        // The sign-in ends the session too: a copy of its refresh token
        // refreshes nothing after the user signed out.
        void signOutSession(current.current?.refresh_token ?? '');
        tabs.current?.signedOut();
      }
      endHere(why);
    },
    [endHere],
  );
  const onSignedIn = useCallback(
    (s: Session) => {
      adopt(s);
      tabs.current?.announce(s);
    },
    [adopt],
  );
  const refresh = useCallback(
    (s: Session) => (tabs.current ? refreshAcrossTabs(s, tabs.current, refreshSession) : refreshSession(s.refresh_token ?? '')),
    [],
  );
  // The access token lives at most an hour: it is refreshed silently before
  // it expires (by one tab for all), or the session ends then.
  useEffect(() => {
    if (!session) return;
    return keepFresh(session, { refresh: () => refresh(session), renewed: adopt, ended: () => signOut('expired') });
  }, [session, signOut, adopt, refresh]);
  const staySignedIn = useCallback(async () => {
    const s = current.current;
    if (!s?.refresh_token) return false;
    try {
      adopt(await refresh(s));
      return true;
    } catch {
      return false;
    }
  }, [adopt, refresh]);
  const value = useMemo<SessionCtx | null>(
    () => (session ? { user: session.user, api: new Api(session.token, () => signOut('expired')), signOut, session, staySignedIn } : null),
    [session, signOut, staySignedIn],
  );
  if (!value) return <>{asking ? null : signedOut(onSignedIn, reason)}</>;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
