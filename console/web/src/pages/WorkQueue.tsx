// The work queue (adjudication's GET /v1/queue): cases with work left,
// catastrophe claims first, then the service's order (open deadlines
// soonest due, then paused ones, then cases owing none); risk by colour and
// words; filters by state, risk and assignee, kept in the address for links.

import { useMemo, useState } from 'react';
import { CASE_STATES, type QueueItem, type Risk } from '../api/types';
import { ErrorBox, Loading, PageHead, useAsync, usePoll } from '../components/common';
import { SignalBadge } from '../components/Controls';
import { DueText, RiskBadge, StateBadge } from '../components/risk';
import { useI18n } from '../i18n/i18n';
import { catastropheFirst } from '../lib/queue';
import { formatDateTime } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';

const risks: (Risk | 'all')[] = ['all', 'breached', 'at-risk', 'on-track', 'paused', 'none'];
const pageSize = 100;

export function WorkQueue() {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const { location, navigate } = useRouter();
  const state = location.query.get('state') ?? '';
  const risk = location.query.get('risk') ?? 'all';
  const assignee = location.query.get('assignee') ?? '';
  const [pages, setPages] = useState(1);
  const [who, setWho] = useState(assignee.startsWith(':') ? '' : assignee);

  const setFilter = (k: string, v: string) => {
    const q = new URLSearchParams(location.query);
    if (!v || v === 'all') q.delete(k);
    else q.set(k, v);
    setPages(1);
    navigate(`/queue${q.toString() ? '?' + q.toString() : ''}`, { replace: true });
  };

  const data = useAsync(async () => {
    const items: QueueItem[] = [];
    let offset: number | null = 0;
    let more = false;
    for (let i = 0; i < pages && offset !== null; i++) {
      const page = await api.queue({
        state: state || undefined,
        risk: risk === 'all' ? undefined : risk,
        assignee: assignee === ':me' ? user.subject : assignee && !assignee.startsWith(':') ? assignee : undefined,
        unassigned: assignee === ':none' ? true : undefined,
        limit: pageSize,
        offset,
      });
      items.push(...page.items);
      offset = page.next_offset;
      more = offset !== null;
    }
    return { items, more };
  }, [api, state, risk, assignee, pages, user.subject]);
  usePoll(true, data.reload, 30_000);

  const rows = useMemo(() => catastropheFirst(data.data?.items ?? []), [data.data]);

  return (
    <div className="page" data-testid="queue-page">
      <PageHead title={t('queue.title')} subtitle={t('queue.subtitle')} onRefresh={data.reload} />
      <div className="filters">
        <label className="field inline">
          <span>{t('queue.filter.state')}</span>
          <select value={state} onChange={(e) => setFilter('state', e.target.value)} data-testid="filter-state">
            <option value="">{t('queue.filter.open')}</option>
            {CASE_STATES.map((s) => (
              <option key={s} value={s}>
                {tx('state.' + s, s)}
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
        <label className="field inline">
          <span>{t('queue.filter.assignee')}</span>
          <select
            value={assignee.startsWith(':') || !assignee ? assignee : ':other'}
            onChange={(e) => setFilter('assignee', e.target.value === ':other' ? who : e.target.value)}
            data-testid="filter-assignee"
          >
            <option value="">{t('common.all')}</option>
            <option value=":me">{t('queue.assignee.me')}</option>
            <option value=":none">{t('queue.assignee.none')}</option>
            <option value=":other">{t('queue.assignee.other')}</option>
          </select>
        </label>
        <form
          className="field inline"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter('assignee', who.trim());
          }}
        >
          <input value={who} onChange={(e) => setWho(e.target.value)} placeholder={t('queue.assignee.placeholder')} aria-label={t('queue.filter.assignee')} size={12} />
        </form>
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
        <>
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
                <th>{t('queue.col.assignee')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((it) => {
                const d = it.deadline;
                const r: Risk = d?.risk ?? 'none';
                return (
                  <tr key={it.claim_id} className={`row-risk-${r} ${it.catastrophe ? 'row-cat' : ''}`} data-testid="queue-row" data-claim={it.claim_id} data-cat={it.catastrophe?.code ?? ''}>
                    <td>
                      {it.catastrophe && (
                        <span className="badge badge-cat" title={t('queue.catTarget', { at: formatDateTime(it.catastrophe.target_due_at, lang) })} data-testid="queue-cat">
                          {t('queue.cat')} {it.catastrophe.code}
                        </span>
                      )}{' '}
                      <Link to={`/claims/${encodeURIComponent(it.claim_id)}`}>
                        <code title={it.claim_id}>{it.claim_id.slice(0, 8)}</code>
                      </Link>
                      <div className="muted small">{it.policy_number}</div>
                      <SignalBadge signals={it.signals} />
                    </td>
                    <td>{it.insured_name}</td>
                    <td>{tx('incident.' + it.incident_type, it.incident_type)}</td>
                    <td>{formatDateTime(it.first_received_at, lang)}</td>
                    <td>
                      {d ? (
                        <>
                          <span className="small muted">
                            {d.r_number} {tx('rule.' + d.rule, d.rule)}
                          </span>
                          <div>{formatDateTime(d.due_at, lang)}</div>
                          {d.state === 'open' && (
                            <div className="small">
                              <DueText dueAt={d.due_at} />
                            </div>
                          )}
                        </>
                      ) : (
                        <span className="muted small">{t('queue.noDeadline')}</span>
                      )}
                    </td>
                    <td>
                      <RiskBadge risk={r} />
                    </td>
                    <td>
                      <StateBadge state={it.state} /> {it.complex && <span className="badge">{t('queue.complex')}</span>}
                    </td>
                    <td>{it.assignee || <span className="muted">{t('case.unassigned')}</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {data.data?.more && (
            <button type="button" className="btn" onClick={() => setPages((p) => p + 1)} disabled={data.loading}>
              {t('queue.more')}
            </button>
          )}
        </>
      )}
    </div>
  );
}
