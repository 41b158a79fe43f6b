import { useState, type FormEvent } from 'react';
import { ApiError, signIn } from '../api/client';
import type { Session } from '../api/types';
import { useErrorMessage } from '../components/common';
import { LangSwitch } from '../components/LangSwitch';
import { useI18n } from '../i18n/i18n';
import type { SignOutReason } from '../session';

export function SignIn({ onSignedIn, reason }: { onSignedIn: (s: Session) => void; reason: SignOutReason | null }) {
  const { t } = useI18n();
  const errorMessage = useErrorMessage();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(reason === 'expired' ? t('signin.expired') : null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(username.trim(), password, otp.trim()));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(t('signin.wrong'));
      else if (err instanceof ApiError && err.status === 429)
        setError(t('signin.locked', { minutes: Math.max(1, Math.ceil((err.retryAfterSeconds ?? 60) / 60)) }));
      else setError(errorMessage(err));
      setPassword('');
      setOtp('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin-page">
      <form className="card signin" onSubmit={submit} data-testid="signin-form">
        <div className="signin-head">
          <h1>{t('signin.title')}</h1>
          <LangSwitch />
        </div>
        {error && (
          <p className="alert alert-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <label className="field">
          <span>{t('signin.username')}</span>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label className="field">
          <span>{t('signin.password')}</span>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <label className="field">
          <span>{t('signin.otp')}</span>
          <input name="otp" autoComplete="one-time-code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} value={otp} onChange={(e) => setOtp(e.target.value)} />
        </label>
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid="signin-submit">
          {t('signin.submit')}
        </button>
        <p className="muted small">{t('signin.note')}</p>
      </form>
    </main>
  );
}
