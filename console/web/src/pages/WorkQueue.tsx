// The work queue built for volume (issue 20; adjudication's GET /v1/queue):
// server-side search (claim number, policy number, insured name), filters
// and sort by every column, paging with the total, bulk select with assign
// (a picker showing each handler's workload) and start review, and a
// countdown to the nearer of the legal deadline and the catastrophe target,
// in hours under a day. Everything is kept in the address for links.

import { useEffect, useState } from 'react';
import { CASE_STATES, type Risk } from '../api/types';
import { bulk, workQueue, workloads, type QueueSort, type WorkItem } from '../api/workbench';
import { hasAny } from '../auth/permissions';
import { ErrorBox, Loading, PageHead, useAsync, useBusy, useDebounced, usePoll } from '../components/common';
import { SignalBadge } from '../components/Controls';
import { RiskBadge, StateBadge } from '../components/risk';
import { useI18n } from '../i18n/i18n';
import { countdown } from '../lib/countdown';
import { formatDateTime } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';

const risks: (Risk | 'all')[] = ['all', 'breached', 'at-risk', 'on-track', 'paused', 'none'];
const incidentTypes = ['death', 'disability', 'critical_illness', 'medical', 'accidental_injury'];
const pageSizes = [25, 50, 100, 200];

function Countdown({ it }: { it: WorkItem }) {
  const { t } = useI18n();
  if (!it.nearest_due_at) return <span className="muted small">{t('queue.noDeadline')}</span>;
  const c = countdown(it.nearest_due_at);
  if (!c) return null;
  const key = c.overdue ? (c.unit === 'hours' ? 'wb.queue.overHours' : 'wb.queue.overDays') : c.unit === 'hours' ? 'wb.queue.leftHours' : 'wb.queue.leftDays';
  return (
    <span className={`countdown ${c.overdue ? 'overdue' : c.unit === 'hours' ? 'soon' : ''}`} data-testid="countdown" data-unit={c.unit} data-kind={it.nearest_kind}>
      {t(key, { n: c.n })}
      <span className="muted small"> · {t(it.nearest_kind === 'target' ? 'wb.queue.kindTarget' : 'wb.queue.kindDeadline')}</span>
    </span>
  );
}

/** The bulk bar: assign to a handler picked with their workload, or start the review. */
function BulkBar({ selected, onDone }: { selected: string[]; onDone: () => void }) {
  const { t } = useI18n();
  const { api, user } = useSession();
  const loads = useAsync(() => workloads(api), [api]);
  const [assignee, setAssignee] = useState('');
  const [result, setResult] = useState<{ changed: number; failed: number } | null>(null);
  const action = useBusy();
  const allowed = hasAny(user, ['senior_handler', 'catastrophe_coordinator']);
  const run = async (kind: 'assign' | 'start_review') => {
    const out = await action.run(() => bulk(api, selected, kind, kind === 'assign' ? assignee : undefined));
    if (out) {
      setResult({ changed: out.changed, failed: out.failed });
      onDone();
      loads.reload();
    }
  };
  if (!allowed) return <p className="muted small">{t('wb.queue.bulkNotAllowed')}</p>;
  return (
    <div className="bulk-bar" data-testid="bulk-bar">
      <strong>{t('wb.queue.selected', { n: selected.length })}</strong>
      <label className="field inline">
        <span>{t('wb.queue.assignTo')}</span>
        <input list="handler-workloads" value={assignee} onChange={(e) => setAssignee(e.target.value)} size={14} data-testid="bulk-assignee" />
        <datalist id="handler-workloads">
          {(loads.data ?? []).map((w) => (
            <option key={w.assignee} value={w.assignee}>
              {t('wb.queue.workload', { n: w.open_cases, risk: w.at_risk })}
            </option>
          ))}
        </datalist>
      </label>
      <ul className="workloads small" data-testid="workloads">
        {(loads.data ?? []).slice(0, 8).map((w) => (
          <li key={w.assignee}>
            <button type="button" className="link" onClick={() => setAssignee(w.assignee)} data-testid="workload" data-assignee={w.assignee}>
              {w.assignee}
            </button>{' '}
            {t('wb.queue.workload', { n: w.open_cases, risk: w.at_risk })}
          </li>
        ))}
      </ul>
      <button type="button" className="btn btn-primary" disabled={action.busy || !assignee.trim() || selected.length === 0} onClick={() => void run('assign')} data-testid="bulk-assign">
        {t('wb.queue.bulkAssign')}
      </button>
      <button type="button" className="btn" disabled={action.busy || selected.length === 0} onClick={() => void run('start_review')} data-testid="bulk-review">
        {t('wb.queue.bulkReview')}
      </button>
      {result && (
        <span className="small" data-testid="bulk-result">
          {t('wb.queue.bulkResult', { changed: result.changed, failed: result.failed })}
        </span>
      )}
      {action.error ? <ErrorBox error={action.error} /> : null}
    </div>
  );
}

export function WorkQueue() {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const { location, navigate } = useRouter();
  const qs = location.query;
  const state = qs.get('state') ?? '';
  const risk = qs.get('risk') ?? 'all';
  const assignee = qs.get('assignee') ?? '';
  const incident = qs.get('incident_type') ?? '';
  const cat = qs.get('catastrophe') ?? '';
  const sort = (qs.get('sort') ?? '') as QueueSort | '';
  const order = qs.get('order') === 'desc' ? 'desc' : 'asc';
  const size = Number(qs.get('size')) || 50;
  const page = Math.max(0, Number(qs.get('page')) || 0);
  const [search, setSearch] = useState(qs.get('q') ?? '');
  const q = useDebounced(search.trim(), 300);
  const [selected, setSelected] = useState<string[]>([]);

  const setParams = (changes: Record<string, string>) => {
    const next = new URLSearchParams(qs);
    for (const [k, v] of Object.entries(changes)) {
      if (!v || v === 'all') next.delete(k);
      else next.set(k, v);
    }
    if (!('page' in changes)) next.delete('page');
    navigate(`/queue${next.toString() ? '?' + next.toString() : ''}`, { replace: true });
  };
  useEffect(() => {
    if ((qs.get('q') ?? '') !== q) setParams({ q });
    // only the debounced search moves the address
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);

  const data = useAsync(
    () =>
      workQueue(api, {
        q: q || undefined,
        state: state || undefined,
        risk: risk === 'all' ? undefined : risk,
        assignee: assignee === ':me' ? user.subject : assignee && !assignee.startsWith(':') ? assignee : undefined,
        unassigned: assignee === ':none' ? true : undefined,
        incident_type: incident || undefined,
        catastrophe: cat || undefined,
        sort: sort || undefined,
        order: sort ? order : undefined,
        limit: size,
        offset: page * size,
      }),
    [api, q, state, risk, assignee, incident, cat, sort, order, size, page, user.subject],
  );
  usePoll(true, data.reload, 30_000);
  useEffect(() => setSelected([]), [q, state, risk, assignee, incident, cat, sort, order, size, page]);

  const rows = data.data?.items ?? [];
  const total = data.data?.total ?? 0;
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const allOnPage = rows.length > 0 && rows.every((r) => selected.includes(r.claim_id));

  const header = (col: QueueSort, label: string) => (
    <th aria-sort={sort === col ? (order === 'desc' ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="sort"
        onClick={() => setParams({ sort: col, order: sort === col && order === 'asc' ? 'desc' : 'asc' })}
        data-testid={`sort-${col}`}
      >
        {label}
        {sort === col ? (order === 'desc' ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );

  return (
    <div className="page" data-testid="queue-page">
      <PageHead title={t('queue.title')} subtitle={t('queue.subtitle')} onRefresh={data.reload} />
      <div className="filters">
        <label className="field inline grow">
          <span>{t('wb.queue.search')}</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t('wb.queue.searchHint')} data-testid="queue-search" />
        </label>
        <label className="field inline">
          <span>{t('queue.filter.state')}</span>
          <select value={state} onChange={(e) => setParams({ state: e.target.value })} data-testid="filter-state">
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
          <select value={risk} onChange={(e) => setParams({ risk: e.target.value })} data-testid="filter-risk">
            {risks.map((r) => (
              <option key={r} value={r}>
                {r === 'all' ? t('common.all') : tx('risk.' + r, r)}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>{t('queue.filter.assignee')}</span>
          <select value={assignee.startsWith(':') || !assignee ? assignee : ''} onChange={(e) => setParams({ assignee: e.target.value })} data-testid="filter-assignee">
            <option value="">{t('common.all')}</option>
            <option value=":me">{t('queue.assignee.me')}</option>
            <option value=":none">{t('queue.assignee.none')}</option>
          </select>
        </label>
        <label className="field inline">
          <span>{t('queue.col.type')}</span>
          <select value={incident} onChange={(e) => setParams({ incident_type: e.target.value })} data-testid="filter-type">
            <option value="">{t('common.all')}</option>
            {incidentTypes.map((k) => (
              <option key={k} value={k}>
                {tx('incident.' + k, k)}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>{t('wb.queue.catastrophe')}</span>
          <select value={cat} onChange={(e) => setParams({ catastrophe: e.target.value })} data-testid="filter-cat">
            <option value="">{t('common.all')}</option>
            <option value="*">{t('wb.queue.tagged')}</option>
            <option value="-">{t('wb.queue.untagged')}</option>
          </select>
        </label>
      </div>
      {selected.length > 0 && <BulkBar selected={selected} onDone={() => { setSelected([]); data.reload(); }} />}
      {data.error ? <ErrorBox error={data.error} onRetry={data.reload} /> : null}
      {data.loading && !data.data ? (
        <Loading />
      ) : rows.length === 0 && !data.error ? (
        <p className="empty" data-testid="queue-empty">
          {q ? t('wb.queue.noMatch', { q }) : t('queue.empty')}
        </p>
      ) : (
        <>
          <div className="table-scroll">
            <table className="table table-compact" data-testid="queue-table">
              <thead>
                <tr>
                  <th>
                    <input
                      type="checkbox"
                      checked={allOnPage}
                      onChange={() => setSelected(allOnPage ? [] : rows.map((r) => r.claim_id))}
                      aria-label={t('wb.queue.selectPage')}
                      data-testid="select-page"
                    />
                  </th>
                  {header('claim_id', t('queue.col.claim'))}
                  {header('insured_name', t('queue.col.insured'))}
                  {header('incident_type', t('queue.col.type'))}
                  {header('received', t('queue.col.received'))}
                  {header('due', t('wb.queue.col.countdown'))}
                  <th>{t('queue.col.risk')}</th>
                  {header('state', t('queue.col.state'))}
                  {header('assignee', t('queue.col.assignee'))}
                </tr>
              </thead>
              <tbody>
                {rows.map((it) => {
                  const r: Risk = it.deadline?.risk ?? 'none';
                  return (
                    <tr key={it.claim_id} className={`row-risk-${r} ${it.catastrophe ? 'row-cat' : ''}`} data-testid="queue-row" data-claim={it.claim_id} data-cat={it.catastrophe?.code ?? ''}>
                      <td>
                        <input
                          type="checkbox"
                          checked={selected.includes(it.claim_id)}
                          onChange={() => toggle(it.claim_id)}
                          aria-label={t('wb.queue.selectRow', { id: it.claim_id.slice(0, 8) })}
                          data-testid="select-row"
                        />
                      </td>
                      <td>
                        <Link to={`/claims/${encodeURIComponent(it.claim_id)}`} className="row-open">
                          <code title={it.claim_id}>{it.claim_id.slice(0, 8)}</code>
                        </Link>
                        {it.catastrophe && (
                          <span className="badge badge-cat" data-testid="queue-cat">
                            {t('queue.cat')} {it.catastrophe.code}
                          </span>
                        )}{' '}
                        <div className="muted small">{it.policy_number}</div>
                        <SignalBadge signals={it.signals} />
                      </td>
                      <td>{it.insured_name}</td>
                      <td>{tx('incident.' + it.incident_type, it.incident_type)}</td>
                      <td>{formatDateTime(it.first_received_at, lang)}</td>
                      <td>
                        <Countdown it={it} />
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
          </div>
          <div className="pager" data-testid="queue-pager">
            <span data-testid="queue-total">{t('wb.queue.range', { from: page * size + 1, to: page * size + rows.length, total })}</span>
            <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setParams({ page: String(page - 1) })} data-testid="page-prev">
              {t('wb.queue.prev')}
            </button>
            <button type="button" className="btn btn-small" disabled={data.data?.next_offset == null} onClick={() => setParams({ page: String(page + 1) })} data-testid="page-next">
              {t('wb.queue.next')}
            </button>
            <label className="field inline">
              <span>{t('wb.queue.pageSize')}</span>
              <select value={size} onChange={(e) => setParams({ size: e.target.value })}>
                {pageSizes.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </>
      )}
    </div>
  );
}

