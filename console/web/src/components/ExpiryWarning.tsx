// The warning before a session expires (issue 20): shown in the last
// minutes of an access token that has not been renewed (no refresh token,
// or the silent refresh failed), with "stay signed in", which refreshes at
// once. Drafts (components/Draft.tsx) keep what is typed either way.

import { useEffect, useState } from 'react';
import { msLeft } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session';

/** How long before the expiry the warning shows: after the silent refresh (2 minutes ahead) should have happened. */
export const WARN_MS = 90 * 1000;

export function ExpiryWarning() {
  const { t } = useI18n();
  const { session, staySignedIn } = useSession();
  const [now, setNow] = useState(() => Date.now());
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => setFailed(false), [session]);
  const left = msLeft(session, now);
  if (left > WARN_MS || left <= 0) return null;
  const stay = async () => {
    setBusy(true);
    const ok = await staySignedIn();
    setBusy(false);
    setFailed(!ok);
  };
  return (
    <div className="alert alert-warn expiry" role="alert" data-testid="expiry-warning">
      <span>{t('wb.session.expiresIn', { s: Math.ceil(left / 1000) })}</span>{' '}
      <button type="button" className="btn btn-small btn-primary" onClick={() => void stay()} disabled={busy} data-testid="stay-signed-in">
        {t('wb.session.stay')}
      </button>
      {failed && <span className="small"> {t('wb.session.cannotStay')}</span>}
    </div>
  );
}
