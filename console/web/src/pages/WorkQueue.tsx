// The work queue: cases joined with their decision deadline (R4), soonest
// due first, catastrophe claims ahead of the rest; filters by state, risk
// and (when cases carry one) assignee, kept in the address for links.

import { useEffect, useMemo } from 'react';
import type { Case, Deadline, Risk } from '../api/types';
import { ErrorBox, Loading, PageHead, useAsync } from '../components/common';
import { DeadlineStateBadge, DueText, RiskBadge, StateBadge } from '../components/risk';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';

const states = ['received', 'approved', 'rejected', 'all'] as const;
const risks: (Risk | 'all')[] = ['all', 'breached', 'at-risk', 'on-track', 'paused'];

interface Row {
  c: Case;
  d: Deadline | undefined;
}

/** The deadline states that go with the cases of a state. */
function deadlineStates(state: string): string | undefined {
  if (state === 'received') return 'open,paused';
  if (state === 'approved' || state === 'rejected') return 'met,missed';
  return undefined;
}

/** Catastrophe first, then by due time (none last), then by receipt. */
export function byUrgency(a: Row, b: Row): number {
  const cat = Number(!!b.c.catastrophe_code) - Number(!!a.c.catastrophe_code);
  if (cat !== 0) return cat;
  const ad = a.d ? Date.parse(a.d.due_at) : Infinity;
  const bd = b.d ? Date.parse(b.d.due_at) : Infinity;
  if (ad !== bd) return ad - bd;
  return Date.parse(a.c.first_received_at) - Date.parse(b.c.first_received_at);
}

export function WorkQueue() {
  const { t, tx, lang } = useI18n();
  const { api } = useSession();
  const { location, navigate } = useRouter();
  const state = location.query.get('state') ?? 'received';
  const risk = location.query.get('risk') ?? 'all';
  const assignee = location.query.get('assignee') ?? '';

  const setFilter = (k: string, v: string) => {
    const q = new URLSearchParams(location.query);
    const isDefault = k === 'state' ? v === 'received' : !v || v === 'all';
    if (isDefault) q.delete(k);
    else q.set(k, v);
    navigate(`/queue${q.toString() ? '?' + q.toString() : ''}`, { replace: true });
  };

  const data = useAsync(async () => {
    const dstate = deadlineStates(state);
    const [cases, decision, complex] = await Promise.all([
      api.cases({ state: state === 'all' ? undefined : state, limit: 500 }),
      api.allDeadlines('adjudication', { rule: 'decision', state: dstate }),
      api.allDeadlines('adjudication', { rule: 'complex-decision', state: dstate }).catch(() => [] as Deadline[]),
    ]);
    const byClaim = new Map<string, Deadline>();
    // A complex case's 30-day deadline replaces its 5-working-day one.
    for (const d of [...decision, ...complex]) byClaim.set(d.claim_id, d);
    return cases.cases.map((c): Row => ({ c, d: byClaim.get(c.claim_id) }));
  }, [api, state]);

  useEffect(() => {
    const timer = window.setInterval(data.reload, 30_000);
    return () => window.clearInterval(timer);
  }, [data.reload]);

  const assignees = useMemo(
    () => [...new Set((data.data ?? []).map((r) => r.c.assignee).filter((a): a is string => !!a))].sort(),
    [data.data],
  );
  const rows = useMemo(
    () =>
      (data.data ?? [])
        .filter((r) => risk === 'all' || (r.d?.risk ?? 'none') === risk)
        .filter((r) => !assignee || r.c.assignee === assignee)
        .sort(byUrgency),
    [data.data, risk, assignee],
  );

  return (
    <div className="page" data-testid="queue-page">
      <PageHead title={t('queue.title')} subtitle={t('queue.subtitle')} onRefresh={data.reload} />
      <div className="filters">
        <label className="field inline">
          <span>{t('queue.filter.state')}</span>
          <select value={state} onChange={(e) => setFilter('state', e.target.value)} data-testid="filter-state">
            {states.map((s) => (
              <option key={s} value={s}>
                {s === 'all' ? t('common.all') : tx('state.' + s, s)}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>{t('queue.filter.risk')}</span>
          <select value={risk} onChange={(e) => setFilter('risk', e.target.value)} data-testid="filter-risk">
            {risks.map((r) => (
              <option key={r} value={r}>
                {r === 'all' ? t('common.all') : tx('risk.' + r, r)}
              </option>
            ))}
          </select>
        </label>
        {assignees.length > 0 && (
          <label className="field inline">
            <span>{t('queue.filter.assignee')}</span>
            <select value={assignee} onChange={(e) => setFilter('assignee', e.target.value)} data-testid="filter-assignee">
              <option value="">{t('common.all')}</option>
              {assignees.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
        )}
        {data.data && <span className="muted">{t('queue.count', { n: rows.length })}</span>}
      </div>
      {data.error ? <ErrorBox error={data.error} onRetry={data.reload} /> : null}
      {data.loading && !data.data ? (
        <Loading />
      ) : rows.length === 0 && !data.error ? (
        <p className="empty" data-testid="queue-empty">
          {t('queue.empty')}
        </p>
      ) : (
        <table className="table" data-testid="queue-table">
          <thead>
            <tr>
              <th>{t('queue.col.claim')}</th>
              <th>{t('queue.col.insured')}</th>
              <th>{t('queue.col.type')}</th>
              <th>{t('queue.col.received')}</th>
              <th>{t('queue.col.due')}</th>
              <th>{t('queue.col.risk')}</th>
              <th>{t('queue.col.state')}</th>
              {assignees.length > 0 && <th>{t('queue.col.assignee')}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map(({ c, d }) => (
              <tr key={c.claim_id} className={`row-risk-${d?.risk ?? 'none'}`} data-testid="queue-row" data-claim={c.claim_id}>
                <td>
                  {c.catastrophe_code && <span className="badge badge-cat">{t('queue.cat')}</span>}{' '}
                  <Link to={`/claims/${encodeURIComponent(c.claim_id)}?report=${encodeURIComponent(c.report_id)}`}>
                    <code title={c.claim_id}>{c.claim_id.slice(0, 8)}</code>
                  </Link>
                  <div className="muted small">{c.policy_number}</div>
                </td>
                <td>{c.insured_name}</td>
                <td>{tx('incident.' + c.incident_type, c.incident_type)}</td>
                <td>{formatDateTime(c.first_received_at, lang)}</td>
                <td>
                  {d ? (
                    <>
                      {formatDateTime(d.due_at, lang)}
                      {(d.state === 'open' || d.state === 'paused') && (
                        <div className="small">
                          <DueText dueAt={d.due_at} />
                        </div>
                      )}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{d && d.state !== 'open' && d.state !== 'paused' ? <DeadlineStateBadge state={d.state} /> : <RiskBadge risk={d?.risk} />}</td>
                <td>
                  <StateBadge state={c.state} />
                </td>
                {assignees.length > 0 && <td>{c.assignee ?? '—'}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
