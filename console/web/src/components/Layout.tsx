// The frame of every signed-in page: navigation by role, language, the user.

import type { ReactNode } from 'react';
import { canSee, type Page } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import type { Key } from '../i18n/dict';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { LangSwitch } from './LangSwitch';

const nav: { page: Page; to: string; label: Key }[] = [
  { page: 'queue', to: '/queue', label: 'nav.queue' },
  { page: 'new-report', to: '/reports/new', label: 'nav.newReport' },
  { page: 'catastrophe', to: '/catastrophe', label: 'nav.catastrophe' },
  { page: 'payouts', to: '/payouts', label: 'nav.payouts' },
  { page: 'compliance', to: '/compliance', label: 'nav.compliance' },
  { page: 'indicators', to: '/indicators', label: 'nav.indicators' },
  { page: 'auto', to: '/auto', label: 'nav.auto' },
  { page: 'complaints', to: '/complaints', label: 'nav.complaints' },
  { page: 'reveals', to: '/reveals', label: 'nav.reveals' },
  { page: 'visits', to: '/visits', label: 'wb.nav.visits' },
  { page: 'users', to: '/users', label: 'wb.nav.users' },
];

export function Layout({ children }: { children: ReactNode }) {
  const { t, tx } = useI18n();
  const { user, signOut } = useSession();
  const { location } = useRouter();
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          {t('app.title')}
        </Link>
        <nav aria-label={t('nav.mainLabel')} data-testid="nav">
          {nav
            .filter((n) => canSee(user, n.page))
            .map((n) => (
              <Link key={n.to} to={n.to} className={location.path.startsWith(n.to) ? 'nav-link on' : 'nav-link'} testId={`nav-${n.page}`}>
                {t(n.label)}
              </Link>
            ))}
        </nav>
        <div className="user">
          <LangSwitch />
          <span className="who" data-testid="who">
            {user.name || user.subject}
            <small>{user.roles.map((r) => tx('role.' + r, r)).join('、')}</small>
          </span>
          <button type="button" className="btn btn-ghost" onClick={() => signOut('user')} data-testid="sign-out">
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
