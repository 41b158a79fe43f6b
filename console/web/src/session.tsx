// The signed-in user and the API as they see it, for every page.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Api, refreshSession } from './api/client';
import type { Session, User } from './api/types';
import { keepFresh } from './auth/refresh';
import { loadSession, saveSession } from './auth/session';

export type SignOutReason = 'user' | 'expired';

interface SessionCtx {
  user: User;
  api: Api;
  signOut: (reason?: SignOutReason) => void;
}

const Ctx = createContext<SessionCtx | null>(null);

export function useSession(): SessionCtx {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside a signed-in page');
  return v;
}

/** Holds the session; renders signedOut until someone signs in. */
export function SessionGate({
  signedOut,
  children,
}: {
  signedOut: (onSignedIn: (s: Session) => void, reason: SignOutReason | null) => ReactNode;
  children: ReactNode;
}) {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [reason, setReason] = useState<SignOutReason | null>(null);
  const signOut = useCallback((why: SignOutReason = 'user') => {
    saveSession(null);
    setSession(null);
    setReason(why);
  }, []);
  const onSignedIn = useCallback((s: Session) => {
    saveSession(s);
    setSession(s);
    setReason(null);
  }, []);
  // The access token lives at most an hour: it is refreshed silently before
  // it expires, or the session ends then.
  useEffect(() => {
    if (!session) return;
    return keepFresh(session, { refresh: refreshSession, renewed: onSignedIn, ended: () => signOut('expired') });
  }, [session, signOut, onSignedIn]);
  const value = useMemo<SessionCtx | null>(
    () => (session ? { user: session.user, api: new Api(session.token, () => signOut('expired')), signOut } : null),
    [session, signOut],
  );
  if (!value) return <>{signedOut(onSignedIn, reason)}</>;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
