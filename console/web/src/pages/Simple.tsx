// Pages with little in them: not allowed, not found.

import { homePath } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router';
import { useSession } from '../session';

export function NotAllowed() {
  const { t, tx } = useI18n();
  const { user } = useSession();
  return (
    <div className="page" data-testid="not-allowed">
      <h1>{t('notAllowed.title')}</h1>
      <p>{t('notAllowed.body', { roles: user.roles.map((r) => tx('role.' + r, r)).join('、') })}</p>
      <Link to={homePath(user)} className="btn">
        {t('notAllowed.home')}
      </Link>
    </div>
  );
}

export function NotFound() {
  const { t } = useI18n();
  const { user } = useSession();
  return (
    <div className="page" data-testid="not-found">
      <h1>{t('notFound.title')}</h1>
      <Link to={homePath(user)} className="btn">
        {t('notAllowed.home')}
      </Link>
    </div>
  );
}
