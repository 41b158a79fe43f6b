// The signed-in user and the API as they see it, for every page.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Api } from './api/client';
import type { Session, User } from './api/types';
import { loadSession, msLeft, saveSession } from './auth/session';

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
  useEffect(() => {
    if (!session) return;
    const left = msLeft(session);
    // setTimeout takes at most 2^31-1 ms; a longer session is checked again then.
    const timer = window.setTimeout(() => (msLeft(session) <= 0 ? signOut('expired') : setSession({ ...session })), Math.min(Math.max(left, 0), 2 ** 31 - 1));
    return () => window.clearTimeout(timer);
  }, [session, signOut]);
  const value = useMemo<SessionCtx | null>(
    () => (session ? { user: session.user, api: new Api(session.token, () => signOut('expired')), signOut } : null),
    [session, signOut],
  );
  if (!value) return <>{signedOut(onSignedIn, reason)}</>;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
