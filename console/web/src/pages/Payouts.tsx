// Payouts for finance: scheduled, completed and failed payment obligations
// with their payees masked (revealed in clear for a stated reason, R11,
// recorded by payout), returns from the bank (退汇), the daily
// reconciliation report and its CSV, and a CSV of the list.

import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { DayTotal, Obligation } from '../api/types';
import { PayeeCell } from '../components/ClaimParts';
import { PayeeConfirmations } from '../components/PayeeConfirmations';
import { ThreeWay } from '../components/ThreeWay';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorBox, Loading, PageHead, PeriodFields, Section, useAsync, useBusy } from '../components/common';
import { canReconcile, hasAny } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { download, toCsv } from '../lib/csv';
import { fenToPlainYuan, formatFen } from '../lib/money';
import { formatDate, formatDateTime, shanghaiDate, shanghaiDateTime } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';

const tabs = ['awaiting_payee_confirmation', 'scheduled', 'sent', 'completed', 'failed', 'reversed', 'all'] as const;
type Tab = (typeof tabs)[number];

function isTab(s: string | null): s is Tab {
  return !!s && (tabs as readonly string[]).includes(s);
}

/** The obligations as a CSV file, amounts in yuan with two decimals, times as Asia/Shanghai wall time; payees masked as payout answers them. */
export function obligationsCsv(list: Obligation[]): string {
  return toCsv([
    ['obligation_id', 'claim_id', 'payout_type', 'amount_yuan', 'amount_fen', 'currency', 'state', 'attempts', 'bank_reference', 'payee', 'account', 'scheduled_at_shanghai', 'completed_at_shanghai', 'value_date', 'last_error'],
    ...list.map((o) => [
      o.id,
      o.claim_id,
      o.payout_type,
      fenToPlainYuan(o.amount_fen),
      String(o.amount_fen),
      o.currency,
      o.state,
      String(o.attempts),
      o.bank_reference ?? '',
      o.payee?.name ?? '',
      o.payee?.account_number ?? '',
      shanghaiDateTime(o.scheduled_at),
      shanghaiDateTime(o.completed_at),
      o.value_date ?? '',
      o.last_error ?? '',
    ]),
  ]);
}

function firstOfMonth(): string {
  return shanghaiDate(new Date()).slice(0, 8) + '01';
}

/** One row of the reconciliation: a day's (or the period's) completed and returned payouts of a type. */
function DayRow({ d, label, total }: { d: DayTotal; label: string; total?: boolean }) {
  const { tx } = useI18n();
  return (
    <tr className={total ? 'total' : ''} data-testid={total ? undefined : 'reconciliation-row'}>
      <td>{label}</td>
      <td>{tx('payouts.type.' + d.payout_type, d.payout_type)}</td>
      <td className="num">{d.completed_count}</td>
      <td className="num">{formatFen(d.completed_amount_fen)}</td>
      <td className="num">{d.reversed_count}</td>
      <td className="num">{formatFen(d.reversed_amount_fen)}</td>
    </tr>
  );
}

function Reconciliation() {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const [period, setPeriod] = useState({ from: firstOfMonth(), to: shanghaiDate(new Date()) });
  const [draft, setDraft] = useState(period);
  const q = useAsync(() => api.reconciliation(period.from, period.to), [api, period]);
  const csv = useBusy();
  const show = (e: FormEvent) => {
    e.preventDefault();
    setPeriod(draft);
  };
  const exportCsv = () => void csv.run(async () => download(await api.reconciliationCsv(period.from, period.to), `reconciliation-${period.from}-${period.to}.csv`));
  const r = q.data;
  return (
    <Section title={t('payouts.reconciliation')} testId="reconciliation">
      <form className="filters" onSubmit={show}>
        <PeriodFields value={draft} onChange={setDraft} labels={[t('payouts.recon.from'), t('payouts.recon.to')]} testId="recon" />
        <button type="submit" className="btn btn-primary">
          {t('compliance.show')}
        </button>
        <button type="button" className="btn" onClick={exportCsv} disabled={csv.busy} data-testid="recon-csv">
          {t('common.exportCsv')}
        </button>
      </form>
      {csv.error ? <ErrorBox error={csv.error} /> : null}
      {q.error ? (
        <ErrorBox error={q.error} onRetry={q.reload} />
      ) : !r ? (
        <Loading />
      ) : r.days.length === 0 ? (
        <p className="empty">{t('payouts.reconciliation.empty')}</p>
      ) : (
        <table className="table compact" data-testid="reconciliation-table">
          <thead>
            <tr>
              <th>{t('payouts.recon.date')}</th>
              <th>{t('payouts.col.type')}</th>
              <th className="num">{t('payouts.recon.completed')}</th>
              <th className="num">{t('payouts.recon.completedAmount')}</th>
              <th className="num">{t('payouts.recon.reversed')}</th>
              <th className="num">{t('payouts.recon.reversedAmount')}</th>
            </tr>
          </thead>
          <tbody>
            {r.days.map((d) => (
              <DayRow key={`${d.date}-${d.payout_type}`} d={d} label={formatDate(d.date, lang)} />
            ))}
            {r.totals.map((d) => (
              <DayRow key={`total-${d.payout_type}`} d={d} label={t('payouts.recon.total')} total />
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** PAGE is how many obligations one page of the list shows; totals cover every page. */
const PAGE = 100;

/** The filter of the list as payout takes it: a state (none for all) and, both or neither, the value dates. */
function filterOf(tab: Tab, period: { from: string; to: string }): { state?: string; from?: string; to?: string } {
  const f: { state?: string; from?: string; to?: string } = tab === 'all' ? {} : { state: tab };
  if (period.from && period.to) {
    f.from = period.from;
    f.to = period.to;
  }
  return f;
}

/**
 * ReversalButton records a return from the bank (退汇) after a second look:
 * the dialog names the payment, its amount and the payee, masked.
 */
function ReversalButton({ o, onDone }: { o: Obligation; onDone: () => void }) {
  const { t, tx } = useI18n();
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-small" onClick={() => setAsking(true)} data-testid="reversal">
        {t('payouts.reversal')}…
      </button>
      {asking && (
        <ConfirmDialog
          title={t('payouts.reversal.confirmTitle')}
          confirmLabel={t('payouts.reversal')}
          reasonLabel={t('payouts.reversal.reason')}
          danger
          testId="reversal"
          onClose={() => setAsking(false)}
          onConfirm={async (reason) => {
            await api.reversal(o.id, reason);
            onDone();
          }}
        >
          <dl className="facts">
            <div className="fact">
              <dt>{t('payouts.reversal.payment')}</dt>
              <dd data-testid="reversal-payment">
                {o.policy_number ?? ''} · {tx('payouts.type.' + o.payout_type, o.payout_type)} · <code>{o.bank_reference ?? o.id}</code>
              </dd>
            </div>
            <div className="fact">
              <dt>{t('payouts.col.amount')}</dt>
              <dd data-testid="reversal-amount">{formatFen(o.amount_fen)}</dd>
            </div>
            <div className="fact">
              <dt>{t('payouts.col.payee')}</dt>
              <dd data-testid="reversal-payee">
                {o.payee ? `${o.payee.name} · ${o.payee.bank_name} ${o.payee.account_number}` : '—'}
              </dd>
            </div>
          </dl>
          <p className="small">{t('payouts.reversal.effect')}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

export function Payouts() {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const { location, navigate } = useRouter();
  const stateParam = location.query.get('state');
  const tab: Tab = isTab(stateParam) ? stateParam : 'all';
  const [period, setPeriod] = useState({ from: '', to: '' });
  const [draft, setDraft] = useState(period);
  const [offset, setOffset] = useState(0);
  const filter = useMemo(() => filterOf(tab, period), [tab, period]);
  useEffect(() => setOffset(0), [filter]);
  const q = useAsync(() => api.obligations({ ...filter, limit: PAGE, offset }), [api, filter, offset]);
  // Each tab's count is payout's count over the period, not a page's.
  const counts = useAsync(async () => {
    const out: Record<string, number> = {};
    await Promise.all(tabs.map(async (s) => (out[s] = (await api.obligations({ ...filterOf(s, period), limit: 1 })).total?.count ?? 0)));
    return out;
  }, [api, period, q.data]);
  const shown = q.data?.obligations ?? [];
  const total = q.data?.total ?? { count: 0, amount_fen: 0 };
  const isFinance = hasAny(user, ['finance']);
  const csv = useBusy();

  // The CSV holds every obligation of the filter, page by page.
  const exportCsv = () =>
    void csv.run(async () => {
      const all: Obligation[] = [];
      for (let at = 0; ; at += 500) {
        const page = await api.obligations({ ...filter, limit: 500, offset: at });
        all.push(...page.obligations);
        if (page.obligations.length < 500) break;
      }
      download(new Blob([obligationsCsv(all)], { type: 'text/csv;charset=utf-8' }), `payouts-${tab}-${period.from || 'all'}-${period.to || shanghaiDate(new Date())}.csv`);
    });
  const show = (e: FormEvent) => {
    e.preventDefault();
    setPeriod(draft);
  };

  return (
    <div className="page" data-testid="payouts-page">
      <PageHead title={t('payouts.title')} subtitle={t('payouts.subtitle')} onRefresh={q.reload}>
        <button type="button" className="btn btn-primary" onClick={exportCsv} disabled={total.count === 0 || csv.busy} data-testid="export-csv">
          {t('common.exportCsv')}
        </button>
      </PageHead>
      {csv.error ? <ErrorBox error={csv.error} /> : null}
      <PayeeConfirmations onChanged={q.reload} />
      <form className="filters" onSubmit={show} data-testid="payouts-filter">
        <PeriodFields value={draft} onChange={setDraft} labels={[t('payouts.paidFrom'), t('payouts.paidTo')]} testId="payouts-period" />
        <button type="submit" className="btn" data-testid="payouts-period-show">
          {t('compliance.show')}
        </button>
        {(period.from || period.to) && (
          <button type="button" className="btn" onClick={() => (setDraft({ from: '', to: '' }), setPeriod({ from: '', to: '' }))}>
            {t('payouts.allDates')}
          </button>
        )}
      </form>
      <nav className="tabs" aria-label={t('payouts.title')}>
        {tabs.map((s) => (
          <button
            key={s}
            type="button"
            className={`tab ${tab === s ? 'on' : ''}`}
            onClick={() => navigate(s === 'all' ? '/payouts' : `/payouts?state=${s}`, { replace: true })}
            data-testid={`tab-${s}`}
          >
            {s === 'all' ? t('common.all') : tx('payouts.state.' + s, s)} <span className="count">{counts.data?.[s] ?? '…'}</span>
          </button>
        ))}
      </nav>
      {q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : null}
      {q.loading && !q.data ? (
        <Loading />
      ) : shown.length === 0 ? (
        <p className="empty" data-testid="payouts-empty">
          {t('payouts.empty')}
        </p>
      ) : (
        <>
          <p className="muted" data-testid="payouts-total" data-count={total.count} data-fen={total.amount_fen}>
            {t('payouts.total', { n: total.count, amount: formatFen(total.amount_fen) })}
            {period.from && period.to ? ' · ' + t('payouts.totalPeriod', { from: period.from, to: period.to }) : ''}
          </p>
          <p className="muted small">{t('payouts.maskNote')}</p>
          <table className="table" data-testid="payouts-table">
            <thead>
              <tr>
                <th>{t('payouts.col.claim')}</th>
                <th>{t('payouts.col.type')}</th>
                <th className="num">{t('payouts.col.amount')}</th>
                <th>{t('payouts.col.state')}</th>
                <th>{t('payouts.col.payee')}</th>
                <th>{t('payouts.col.bankRef')}</th>
                <th>{t('payouts.col.scheduled')}</th>
                <th>{t('payouts.col.completed')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((o) => (
                <tr key={o.id} data-testid="payout-row" data-claim={o.claim_id} data-state={o.state} data-type={o.payout_type} data-id={o.id}>
                  <td>
                    <code title={o.claim_id}>{o.claim_id.slice(0, 8)}</code>
                    <div className="muted small" title={o.id}>
                      {o.policy_number ?? o.id.slice(0, 8)}
                    </div>
                  </td>
                  <td>
                    <span className={o.payout_type === 'advance' ? 'badge badge-cat' : ''}>{tx('payouts.type.' + o.payout_type, o.payout_type)}</span>
                  </td>
                  <td className="num" data-testid="payout-amount">
                    {formatFen(o.amount_fen)}
                  </td>
                  <td>
                    <span className={`badge pay-${o.state}`}>{tx('payouts.state.' + o.state, o.state)}</span>
                    {o.attempts > 1 && <div className="muted small">{t('payouts.attempts', { n: o.attempts })}</div>}
                    {o.last_error && <div className="small bad">{o.last_error}</div>}
                    {o.reversal_reason && <div className="small">{o.reversal_reason}</div>}
                  </td>
                  <td>
                    <PayeeCell o={o} />
                  </td>
                  <td>{o.bank_reference ? <code>{o.bank_reference}</code> : '—'}</td>
                  <td>{formatDateTime(o.scheduled_at, lang)}</td>
                  <td>
                    {formatDateTime(o.completed_at, lang)}
                    {o.value_date && <div className="muted small">{t('payouts.valueDate', { date: formatDate(o.value_date, lang) })}</div>}
                    {isFinance && o.state === 'completed' && <ReversalButton o={o} onDone={q.reload} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager" data-testid="payouts-pager">
            <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} data-testid="payouts-prev">
              {t('payouts.prev')}
            </button>
            <span className="muted small">{t('payouts.pageOf', { from: offset + 1, to: offset + shown.length, n: total.count })}</span>
            <button type="button" className="btn btn-small" disabled={offset + shown.length >= total.count} onClick={() => setOffset(offset + PAGE)} data-testid="payouts-next">
              {t('payouts.next')}
            </button>
          </div>
        </>
      )}
      {canReconcile(user) && (
        <>
          <Reconciliation />
          <ThreeWay />
        </>
      )}
      <p className="muted small">
        {t('payouts.revealsNote')} {hasAny(user, ['auditor', 'admin']) && <Link to="/reveals">{t('nav.reveals')}</Link>}
      </p>
    </div>
  );
}
