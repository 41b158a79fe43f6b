// The straight-through assessment of a claim on its page (issue 19): the
// reasons it was not decided automatically, the fields read with low
// confidence and how each was confirmed (or not, and so went to a
// handler), and the amount computed by benefit line and invoice, with the
// document, page, box or clause every fen comes from.

import type { Assessment, AutoReason } from '../api/auto';
import type { ClaimDocument } from '../api/types';
import { isStatus } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { lowFields, percent, reasonText } from '../lib/auto';
import { formatFen } from '../lib/money';
import { useSession } from '../session';
import { ErrorBox, Section, useAsync } from './common';

/** FieldTarget is a field of a document to show on its page: the viewer selects it and draws its box. */
export interface FieldTarget {
  document_id: string;
  field: string;
  confidence: number;
}

/** useReasonText is a reason in words, its parameters filled in (reasonText in the user's language). */
export function useReasonText(docName?: (id: string) => string): (r: AutoReason) => string {
  const { tx, lang } = useI18n();
  return (r) => reasonText(r, tx, lang, docName);
}

/**
 * useDocName names a document of the claim as a handler knows it: its
 * type and file name; the id when the claim's documents are not at hand.
 */
function useDocName(documents: ClaimDocument[] | undefined): (id: string) => string {
  const { tx } = useI18n();
  return (id) => {
    const d = documents?.find((x) => x.id === id);
    if (!d) return id;
    const type = d.type ? tx('doctype.' + d.type, d.type) : '';
    const file = d.file_name || id.slice(0, 8);
    return type ? `${type} ${file}` : file;
  };
}

export interface AutoPanelProps {
  claimId: string;
  version: number;
  /** The claim's documents, to name them; onShowField shows a field on its page in the document viewer. */
  documents?: ClaimDocument[];
  onShowField?: (f: FieldTarget) => void;
}

export function AutoPanel({ claimId, version, documents, onShowField }: AutoPanelProps) {
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
      {q.data === null ? <p className="muted">{t('auto.none')}</p> : <AssessmentView a={q.data} documents={documents} onShowField={onShowField} />}
    </Section>
  );
}

/**
 * LowFields lists the fields read below the policy's confidence: each
 * one's confidence, the document it was read from (shown on its page when
 * onShowField is given), and the check that confirmed it or that none did.
 */
function LowFields({ a, docName, onShowField }: { a: Assessment; docName: (id: string) => string; onShowField?: (f: FieldTarget) => void }) {
  const { t, tx } = useI18n();
  const rows = lowFields(a);
  return (
    <div data-testid="auto-low-fields">
      <h3>{t('auto.lowFields')}</h3>
      {rows.length === 0 ? (
        <p className="muted small" data-testid="auto-low-fields-none">
          {t('auto.lowFieldsNone')}
        </p>
      ) : (
        <>
          <p className="muted small">{t('auto.lowFieldsHint')}</p>
          <table className="table small">
            <thead>
              <tr>
                <th>{t('auto.field')}</th>
                <th>{t('auto.document')}</th>
                <th>{t('auto.confidence')}</th>
                <th>{t('auto.corroboratedBy')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f, i) => (
                <tr key={i} data-testid="auto-low-field" data-field={f.field} data-by={f.by} data-doc={f.document_id}>
                  <td>{tx('auto.field.' + f.field, f.field)}</td>
                  <td>
                    {onShowField && f.document_id ? (
                      <button
                        type="button"
                        className="btn-link"
                        title={t('auto.showOnPage')}
                        onClick={() => onShowField({ document_id: f.document_id, field: f.field, confidence: f.confidence })}
                        data-testid="auto-show-field"
                      >
                        {docName(f.document_id)}
                      </button>
                    ) : (
                      docName(f.document_id)
                    )}
                  </td>
                  <td>
                    <span className={`badge ${f.by ? 'conf-mid' : 'conf-low'}`}>{percent(f.confidence)}</span>
                  </td>
                  <td className={f.by ? '' : 'alert-warn'}>
                    {f.by ? tx('auto.by.' + f.by, f.by, { other: f.other_document_id ? docName(f.other_document_id) : '' }) : t('auto.by.none')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

/** AssessmentView shows an assessment: decided or why not, the fields read with low confidence, and the amount by line and step. */
export function AssessmentView({ a, documents, onShowField }: { a: Assessment; documents?: ClaimDocument[]; onShowField?: (f: FieldTarget) => void }) {
  const { t, tx } = useI18n();
  const docName = useDocName(documents);
  const reasonText = useReasonText(docName);
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
      <LowFields a={a} docName={docName} onShowField={onShowField} />
      {c && (
        <>
          <dl className="facts">
            <dt>{t('auto.payable')}</dt>
            <dd data-testid="auto-payable">
              {formatFen(c.payable_fen)} ({tx('benefit.' + c.benefit, c.benefit)})
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
                  <td>
                    {l.invoice_number}
                    <div className="muted">{docName(l.document_id)}</div>
                  </td>
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
                    · {t('auto.source')}:{' '}
                    {onShowField && s.field ? (
                      <button
                        type="button"
                        className="btn-link"
                        title={t('auto.showOnPage')}
                        onClick={() => onShowField({ document_id: s.document_id ?? '', field: s.field ?? '', confidence: Number.NaN })}
                        data-testid="auto-step-source"
                      >
                        {docName(s.document_id)} {tx('auto.field.' + s.field, s.field)}
                      </button>
                    ) : (
                      <>
                        {docName(s.document_id)}
                        {s.field ? ` ${tx('auto.field.' + s.field, s.field)}` : ''}
                      </>
                    )}
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
