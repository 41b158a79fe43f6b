// Sign-in locks (issue 20, admin): a user name is locked per client
// address after repeated failures and slowed across addresses; an admin
// lifts every lock of a name here. The console records who unlocked whom.

import { useState } from 'react';
import { unlockUser } from '../api/workbench';
import { ErrorBox, PageHead, useBusy } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session';

export function Users() {
  const { t } = useI18n();
  const { session } = useSession();
  const [name, setName] = useState('');
  const [done, setDone] = useState<{ username: string; cleared: number } | null>(null);
  const action = useBusy();
  const unlock = async () => {
    setDone(null);
    const out = await action.run(() => unlockUser(session, name.trim()));
    if (out) setDone(out);
  };
  return (
    <div className="page" data-testid="users-page">
      <PageHead title={t('wb.users.title')} subtitle={t('wb.users.subtitle')} />
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void unlock();
        }}
      >
        <label className="field">
          <span>{t('signin.username')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" data-testid="unlock-username" />
        </label>
        {action.error ? <ErrorBox error={action.error} /> : null}
        <button type="submit" className="btn btn-primary" disabled={action.busy || !name.trim()} data-testid="unlock">
          {t('wb.users.unlock')}
        </button>
        {done && (
          <p className="alert alert-ok" data-testid="unlocked">
            {t('wb.users.unlocked', { name: done.username, n: done.cleared })}
          </p>
        )}
      </form>
    </div>
  );
}
