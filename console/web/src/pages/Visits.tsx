// Every site visit (R8, Reg. art. 27, issue 20): the catastrophe team's and
// the handlers' list of visits to arrange and arranged, each linked to its
// claim, with the same steps as on the claim (arrange, record done, cancel).
// Laid out for a phone: field teams work on phones.

import { useState } from 'react';
import { visits, type Visit } from '../api/workbench';
import { hasAny } from '../auth/permissions';
import { ErrorBox, Loading, PageHead, useAsync } from '../components/common';
import { VisitRow } from '../components/SiteVisits';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session';

const filters = ['to_arrange,arranged', 'to_arrange', 'arranged', 'done', 'cancelled'];

export function Visits() {
  const { t, tx } = useI18n();
  const { api, user } = useSession();
  const [state, setState] = useState(filters[0]);
  const list = useAsync(() => visits(api, { state, limit: 500 }), [api, state]);
  const replace = (v: Visit) => list.set((list.data ?? []).map((x) => (x.id === v.id ? v : x)));
  const canWork = hasAny(user, ['handler', 'senior_handler', 'catastrophe_coordinator']);
  return (
    <div className="page" data-testid="visits-page">
      <PageHead title={t('wb.visit.title')} onRefresh={list.reload} />
      <div className="filters">
        <label className="field inline">
          <span>{t('queue.filter.state')}</span>
          <select value={state} onChange={(e) => setState(e.target.value)} data-testid="visits-state">
            {filters.map((f) => (
              <option key={f} value={f}>
                {f.includes(',') ? t('wb.visit.open') : tx('wb.visit.state.' + f, f)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.length > 0 ? (
        <ul className="visits card">
          {list.data.map((v) => (
            <VisitRow key={v.id} v={v} onChanged={replace} canWork={canWork} withClaim />
          ))}
        </ul>
      ) : (
        <p className="muted">{t('wb.visit.none')}</p>
      )}
    </div>
  );
}
