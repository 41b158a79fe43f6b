// Payouts for finance: scheduled, completed and failed payment obligations
// with their payees masked (revealed in clear for a stated reason, R11,
// recorded by payout), returns from the bank (退汇), the daily
// reconciliation report and its CSV, and a CSV of the list.

import { useMemo, useState, type FormEvent } from 'react';
import type { DayTotal, Obligation } from '../api/types';
import { PayeeCell } from '../components/ClaimParts';
import { PayeeConfirmations } from '../components/PayeeConfirmations';
import { ThreeWay } from '../components/ThreeWay';
import { ErrorBox, Loading, PageHead, PeriodFields, ReasonButton, Section, useAsync, useBusy } from '../components/common';
import { canReconcile, hasAny } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { download, toCsv } from '../lib/csv';
import { fenToPlainYuan, formatFen } from '../lib/money';
import { formatDateTime, shanghaiDate } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';

const tabs = ['awaiting_payee_confirmation', 'scheduled', 'completed', 'failed', 'reversed', 'all'] as const;
type Tab = (typeof tabs)[number];

function isTab(s: string | null): s is Tab {
  return !!s && (tabs as readonly string[]).includes(s);
}

/** The tab an obligation shows under: one sent to the bank is still scheduled until it answers. */
export function tabOf(o: Obligation): Tab {
  if (o.state === 'sent') return 'scheduled';
  return isTab(o.state) ? o.state : 'all';
}

/** The obligations as a CSV file, amounts in yuan with two decimals; payees masked as payout answers them. */
export function obligationsCsv(list: Obligation[]): string {
  return toCsv([
    ['obligation_id', 'claim_id', 'payout_type', 'amount_yuan', 'amount_fen', 'currency', 'state', 'attempts', 'bank_reference', 'payee', 'account', 'scheduled_at', 'completed_at', 'value_date', 'last_error'],
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
      o.scheduled_at,
      o.completed_at ?? '',
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
  const { t } = useI18n();
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
              <DayRow key={`${d.date}-${d.payout_type}`} d={d} label={d.date ?? ''} />
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

export function Payouts() {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const { location, navigate } = useRouter();
  const stateParam = location.query.get('state');
  const tab: Tab = isTab(stateParam) ? stateParam : 'all';
  const q = useAsync(() => api.obligations({ limit: 500 }), [api]);
  const all = useMemo(() => q.data?.obligations ?? [], [q.data]);
  const counts = useMemo(() => {
    const c: Record<string, number> = { all: all.length };
    for (const o of all) c[tabOf(o)] = (c[tabOf(o)] ?? 0) + 1;
    return c;
  }, [all]);
  const shown = tab === 'all' ? all : all.filter((o) => tabOf(o) === tab);
  const total = shown.reduce((s, o) => s + o.amount_fen, 0);
  const isFinance = hasAny(user, ['finance']);

  const exportCsv = () => download(new Blob([obligationsCsv(shown)], { type: 'text/csv;charset=utf-8' }), `payouts-${tab}-${shanghaiDate(new Date())}.csv`);

  return (
    <div className="page" data-testid="payouts-page">
      <PageHead title={t('payouts.title')} subtitle={t('payouts.subtitle')} onRefresh={q.reload}>
        <button type="button" className="btn btn-primary" onClick={exportCsv} disabled={shown.length === 0} data-testid="export-csv">
          {t('common.exportCsv')}
        </button>
      </PageHead>
      <PayeeConfirmations onChanged={q.reload} />
      <nav className="tabs" aria-label={t('payouts.title')}>
        {tabs.map((s) => (
          <button
            key={s}
            type="button"
            className={`tab ${tab === s ? 'on' : ''}`}
            onClick={() => navigate(s === 'all' ? '/payouts' : `/payouts?state=${s}`, { replace: true })}
            data-testid={`tab-${s}`}
          >
            {s === 'all' ? t('common.all') : tx('payouts.state.' + s, s)} <span className="count">{counts[s] ?? 0}</span>
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
          <p className="muted">{t('payouts.total', { n: shown.length, amount: formatFen(total) })}</p>
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
                    {o.value_date && <div className="muted small">{t('payouts.valueDate', { date: o.value_date })}</div>}
                    {isFinance && o.state === 'completed' && (
                      <ReasonButton
                        label={t('payouts.reversal')}
                        prompt={t('payouts.reversal.reason')}
                        className="btn-small"
                        testId="reversal"
                        onConfirm={async (reason) => {
                          await api.reversal(o.id, reason);
                          q.reload();
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
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
