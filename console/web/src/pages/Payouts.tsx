// Payouts for finance: scheduled, completed and failed payment obligations,
// the reconciliation report (when payout serves it), and a CSV export.

import { useMemo } from 'react';
import type { Obligation } from '../api/types';
import { ErrorBox, Loading, PageHead, Section, useAsync } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { download, toCsv } from '../lib/csv';
import { fenToPlainYuan, formatFen } from '../lib/money';
import { formatDateTime, shanghaiDate } from '../lib/time';
import { useRouter } from '../router';
import { useSession } from '../session';

const tabs = ['scheduled', 'completed', 'failed', 'all'] as const;
type Tab = (typeof tabs)[number];

function isTab(s: string | null): s is Tab {
  return !!s && (tabs as readonly string[]).includes(s);
}

/** The obligations as a CSV file, amounts in yuan with two decimals. */
export function obligationsCsv(list: Obligation[]): string {
  return toCsv([
    ['obligation_id', 'claim_id', 'payout_type', 'amount_yuan', 'amount_fen', 'currency', 'state', 'attempts', 'bank_reference', 'scheduled_at', 'completed_at', 'last_error'],
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
      o.scheduled_at,
      o.completed_at ?? '',
      o.last_error ?? '',
    ]),
  ]);
}

function Reconciliation() {
  const { t } = useI18n();
  const { api } = useSession();
  const q = useAsync(() => api.reconciliation({ date: shanghaiDate(new Date()) }), [api]);
  return (
    <Section title={t('payouts.reconciliation')} testId="reconciliation">
      {q.loading ? (
        <Loading />
      ) : q.error || q.data === undefined ? (
        <p className="muted">{t('payouts.reconciliation.pending')}</p>
      ) : (
        <pre className="json">{JSON.stringify(q.data, null, 2)}</pre>
      )}
    </Section>
  );
}

export function Payouts() {
  const { t, tx, lang } = useI18n();
  const { api } = useSession();
  const { location, navigate } = useRouter();
  const stateParam = location.query.get('state');
  const tab: Tab = isTab(stateParam) ? stateParam : 'all';
  const q = useAsync(() => api.obligations({ limit: 500 }), [api]);
  const all = useMemo(() => q.data?.obligations ?? [], [q.data]);
  const counts = useMemo(() => {
    const c: Record<string, number> = { all: all.length };
    for (const o of all) c[o.state] = (c[o.state] ?? 0) + 1;
    return c;
  }, [all]);
  const shown = tab === 'all' ? all : all.filter((o) => o.state === tab);
  const total = shown.reduce((s, o) => s + o.amount_fen, 0);

  const exportCsv = () => download(new Blob([obligationsCsv(shown)], { type: 'text/csv;charset=utf-8' }), `payouts-${tab}-${shanghaiDate(new Date())}.csv`);

  return (
    <div className="page" data-testid="payouts-page">
      <PageHead title={t('payouts.title')} subtitle={t('payouts.subtitle')} onRefresh={q.reload}>
        <button type="button" className="btn btn-primary" onClick={exportCsv} disabled={shown.length === 0} data-testid="export-csv">
          {t('common.exportCsv')}
        </button>
      </PageHead>
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
          <table className="table" data-testid="payouts-table">
            <thead>
              <tr>
                <th>{t('payouts.col.claim')}</th>
                <th>{t('payouts.col.type')}</th>
                <th className="num">{t('payouts.col.amount')}</th>
                <th>{t('payouts.col.state')}</th>
                <th className="num">{t('payouts.col.attempts')}</th>
                <th>{t('payouts.col.bankRef')}</th>
                <th>{t('payouts.col.scheduled')}</th>
                <th>{t('payouts.col.completed')}</th>
                <th>{t('payouts.col.error')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((o) => (
                <tr key={o.id} data-testid="payout-row" data-claim={o.claim_id} data-state={o.state}>
                  <td>
                    <code title={o.claim_id}>{o.claim_id.slice(0, 8)}</code>
                    <div className="muted small" title={o.id}>
                      {o.id.slice(0, 8)}
                    </div>
                  </td>
                  <td>{tx('payouts.type.' + o.payout_type, o.payout_type)}</td>
                  <td className="num">{formatFen(o.amount_fen)}</td>
                  <td>
                    <span className={`badge pay-${o.state}`}>{tx('payouts.state.' + o.state, o.state)}</span>
                  </td>
                  <td className="num">{o.attempts}</td>
                  <td>{o.bank_reference ? <code>{o.bank_reference}</code> : '—'}</td>
                  <td>{formatDateTime(o.scheduled_at, lang)}</td>
                  <td>{formatDateTime(o.completed_at, lang)}</td>
                  <td className="small">{o.last_error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <Reconciliation />
    </div>
  );
}
