import { useEffect, type ReactNode } from 'react';
import { canSee, homePath, type Page } from './auth/permissions';
import { Layout } from './components/Layout';
import { AutoReviews } from './pages/AutoReviews';
import { I18nProvider } from './i18n/i18n';
import { Claim } from './pages/Claim';
import { Compliance } from './pages/Compliance';
import { ComplaintPage, Complaints } from './pages/Complaints';
import { Indicators } from './pages/Indicators';
import { NewReport } from './pages/NewReport';
import { Payouts } from './pages/Payouts';
import { SignIn } from './pages/SignIn';
import { Catastrophe } from './pages/Catastrophe';
import { Reveals } from './pages/Reveals';
import { NotAllowed, NotFound } from './pages/Simple';
import { WorkQueue } from './pages/WorkQueue';
import { Users } from './pages/Users';
import { Visits } from './pages/Visits';
import { ExpiryWarning } from './components/ExpiryWarning';
import { match, RouterProvider, useRouter } from './router';
import { SessionGate, useSession } from './session';

/** Shows page to a user whose roles allow it, and "not allowed" to anyone else. */
function Guard({ page, children }: { page: Page; children: ReactNode }) {
  const { user } = useSession();
  return canSee(user, page) ? <>{children}</> : <NotAllowed />;
}

function Redirect({ to }: { to: string }) {
  const { navigate } = useRouter();
  useEffect(() => navigate(to, { replace: true }), [navigate, to]);
  return null;
}

/** The pages at fixed paths, each with the page (and so the roles) that may see it. */
const fixed: Record<string, { page: Page; render: () => ReactNode }> = {
  '/queue': { page: 'queue', render: () => <WorkQueue /> },
  '/reports/new': { page: 'new-report', render: () => <NewReport /> },
  '/payouts': { page: 'payouts', render: () => <Payouts /> },
  '/compliance': { page: 'compliance', render: () => <Compliance /> },
  '/catastrophe': { page: 'catastrophe', render: () => <Catastrophe /> },
  '/reveals': { page: 'reveals', render: () => <Reveals /> },
  '/complaints': { page: 'complaints', render: () => <Complaints /> },
  '/indicators': { page: 'indicators', render: () => <Indicators /> },
  '/users': { page: 'users', render: () => <Users /> },
  '/visits': { page: 'visits', render: () => <Visits /> },
  '/auto': { page: 'auto', render: () => <AutoReviews /> },
};

function Routes() {
  const { location } = useRouter();
  const { user } = useSession();
  const path = location.path.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/sign-in') return <Redirect to={homePath(user)} />;
  const route = fixed[path];
  if (route) return <Guard page={route.page}>{route.render()}</Guard>;
  const claim = match('/claims/:claimId', path);
  if (claim?.claimId)
    return (
      <Guard page="claim">
        <Claim key={claim.claimId} claimId={claim.claimId} />
      </Guard>
    );
  const complaint = match('/complaints/:id', path);
  if (complaint?.id)
    return (
      <Guard page="complaints">
        <ComplaintPage key={complaint.id} id={complaint.id} />
      </Guard>
    );
  if (path === '/not-allowed') return <NotAllowed />;
  return <NotFound />;
}

export function App() {
  return (
    <I18nProvider>
      <RouterProvider>
        <SessionGate signedOut={(onSignedIn, reason) => <SignIn onSignedIn={onSignedIn} reason={reason} />}>
          <Layout>
            <ExpiryWarning />
            <Routes />
          </Layout>
        </SessionGate>
      </RouterProvider>
    </I18nProvider>
  );
}
