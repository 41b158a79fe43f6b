// The straight-through assessment of a claim on its page (issue 19): the
// reasons it was not decided automatically, and the amount computed by
// benefit line and invoice, with the document, page, box or clause every
// fen comes from.

import type { Assessment, AutoReason } from '../api/auto';
import { isStatus } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { formatFen } from '../lib/money';
import { localParams } from '../lib/params';
import { useSession } from '../session';
import { ErrorBox, Section, useAsync } from './common';

/** reasonText is a reason in words, its parameters filled in. */
export function useReasonText(): (r: AutoReason) => string {
  const { tx, lang } = useI18n();
  return (r) => {
    let params = r.params;
    if (r.code === 'check_not_passed') {
      // The check and its finding in words: the finding's code and values
      // come as finding_code and finding_<name> (issue 20).
      const finding: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.params)) if (k.startsWith('finding_') && k !== 'finding_code') finding[k.slice(8)] = v;
      params = {
        ...r.params,
        check: tx('check.' + r.params.check, r.params.check ?? ''),
        finding: r.params.finding_code ? tx('checkreason.' + r.params.finding_code, r.params.finding ?? '', localParams(finding, lang, tx)) : tx('auto.findingUnworded', ''),
      };
    } else if (r.code === 'fraud_signal') {
      params = { ...r.params, signal: tx('signal.' + r.params.signal, r.params.signal ?? '') };
    }
    return tx('auto.reason.' + r.code, r.code + ' ' + JSON.stringify(r.params), params);
  };
}

export function AutoPanel({ claimId, version }: { claimId: string; version: number }) {
  const { t } = useI18n();
  const { api } = useSession();
  const q = useAsync(async () => {
    try {
      return await api.assessment(claimId);
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }, [api, claimId, version]);
  if (q.error) return <ErrorBox error={q.error} onRetry={q.reload} />;
  if (q.data === undefined) return null;
  return (
    <Section title={t('auto.panel')} testId="auto-panel">
      {q.data === null ? <p className="muted">{t('auto.none')}</p> : <AssessmentView a={q.data} />}
    </Section>
  );
}

function AssessmentView({ a }: { a: Assessment }) {
  const { t } = useI18n();
  const reasonText = useReasonText();
  const c = a.computation;
  return (
    <>
      {a.automatic ? (
        <p className="alert alert-ok small" data-testid="auto-decided">
          {t('auto.decided', { version: `${a.product_code}/v${a.rules_version}` })}
        </p>
      ) : (
        <div className="alert alert-warn small" data-testid="auto-reasons">
          <p>{t('auto.notDecided')}</p>
          <ul>
            {a.reasons.map((r, i) => (
              <li key={i} data-code={r.code}>
                {reasonText(r)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {c && (
        <>
          <dl className="facts">
            <dt>{t('auto.payable')}</dt>
            <dd data-testid="auto-payable">
              {formatFen(c.payable_fen)} ({c.benefit})
            </dd>
            <dt>{t('auto.claimed')}</dt>
            <dd>{formatFen(c.claimed_fen)}</dd>
            <dt>{t('auto.deductible')}</dt>
            <dd>{formatFen(c.deductible_applied_fen)}</dd>
            <dt>{t('auto.rounding')}</dt>
            <dd>{c.rounding_rule}</dd>
          </dl>
          <h3>{t('auto.invoices')}</h3>
          <table className="table small">
            <thead>
              <tr>
                <th>{t('auto.invoice')}</th>
                <th>{t('auto.claimed')}</th>
                <th>{t('auto.base')}</th>
                <th>{t('auto.deductible')}</th>
                <th>{t('auto.ratio')}</th>
                <th>{t('auto.payable')}</th>
              </tr>
            </thead>
            <tbody>
              {c.invoices.map((l) => (
                <tr key={l.document_id}>
                  <td>{l.invoice_number}</td>
                  <td>{formatFen(l.total_fen)}</td>
                  <td>{formatFen(l.base_fen)}</td>
                  <td>{formatFen(l.deductible_fen)}</td>
                  <td>{(l.ratio_bp / 100).toFixed(2)}%</td>
                  <td>{formatFen(l.payable_fen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>{t('auto.steps')}</h3>
          <ol className="small" data-testid="auto-steps">
            {c.steps.map((s, i) => (
              <li key={i}>
                {s.text} — <strong>{formatFen(s.amount_fen)}</strong>
                {s.document_id && (
                  <span className="muted">
                    {' '}
                    · {t('auto.source')}: {s.document_id}
                    {s.field ? ` ${s.field}` : ''}
                    {s.page ? ` (${t('auto.page', { page: s.page, box: s.box.join(',') })})` : ''}
                  </span>
                )}
                {s.clause && (
                  <span className="muted">
                    {' '}
                    · {t('auto.clause')}: {s.clause}
                  </span>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}
