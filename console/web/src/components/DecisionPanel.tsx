// The decision (核定) of a case: per benefit line, the amount claimed and
// the amount approved, typed in yuan and sent in fen; approve, partly
// approve or reject, with reasons each citing the clause, and a preview of
// the rejection notice. A decision above the decider's authority waits for
// a second, senior approver (four-eyes); the service decides which.

import { useMemo, useState, type FormEvent } from 'react';
import type { Case, Decision, DecisionRequest, Outcome } from '../api/types';
import { isSenior } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { buildDecision, defaultBenefit, lineFor, totalApprovedFen, type LineDraft, type Problem, type ReasonDraft } from '../lib/decision';
import { formatFen } from '../lib/money';
import { formatDate, formatDateTime } from '../lib/time';
import { useSession } from '../session';
import { ErrorBox, Facts, useAsync, useBusy } from './common';
import { ConfirmDialog } from './ConfirmDialog';
import { ContractLimit, ExGratiaLabel, ExGratiaToggle, UnknownAcknowledgement } from './Controls';

const outcomes: Outcome[] = ['approve', 'partly_approve', 'reject'];

/** Common grounds of a rejection, to start a reason from. */
const reasonCodes = ['WAITING_PERIOD', 'EXCLUSION', 'NOT_COVERED', 'POLICY_LAPSED', 'NON_DISCLOSURE', 'OVER_LIMIT', 'OTHER'];

export function LetterPreview({ c, reasons }: { c: Case; reasons: ReasonDraft[] }) {
  const { t, lang } = useI18n();
  const shown = reasons.filter((r) => r.text.trim() || r.clause.trim());
  return (
    <article className="letter" data-testid="letter-preview" aria-label={t('decision.letterPreview')}>
      <h3>{t('letter.title')}</h3>
      <p>{t('letter.salutation', { name: c.insured_name })}</p>
      <p>{t('letter.body', { date: formatDate(c.first_received_at, lang), policy: c.policy_number, claim: c.claim_id.slice(0, 8).toUpperCase() })}</p>
      {shown.length === 0 ? (
        <blockquote>……</blockquote>
      ) : (
        <ol className="letter-reasons">
          {shown.map((r, i) => (
            <li key={i}>
              {r.text.trim()}
              {r.clause.trim() && <span className="clause">（{t('letter.clause', { clause: r.clause.trim() })}）</span>}
            </li>
          ))}
        </ol>
      )}
      <p className="small">{t('letter.footer')}</p>
    </article>
  );
}

/** The benefits the catalogue names, suggested when the policy's own are not known. */
const knownBenefits = ['medical_expense', 'critical_illness', 'death_benefit', 'disability_benefit'];

/** The benefits the policy covers (from its product), for the benefit field's suggestions. */
function useBenefits(c: Case): { code: string; name: string }[] {
  const { api } = useSession();
  const q = useAsync(async () => {
    try {
      const policy = await api.policy(c.policy_number);
      const product = await api.product(policy.product_code).catch(() => null);
      const names = new Map((product?.benefits ?? []).map((b) => [b.code, b.name]));
      const codes = policy.coverages.map((cv) => cv.benefit);
      for (const b of product?.benefits ?? []) if (b.incident_types.includes(c.incident_type) && !codes.includes(b.code)) codes.push(b.code);
      return codes.map((code) => ({ code, name: names.get(code) ?? code }));
    } catch {
      // A policy the policy system has not sent: any benefit code will do.
      return [];
    }
  }, [api, c.policy_number, c.incident_type]);
  return q.data ?? [];
}

/** The words of a problem; n is the line or reason it is in, counted from 1. */
function problemText(tx: ReturnType<typeof useI18n>['tx'], p: Problem): string {
  const m = /\[(\d+)\]/.exec(p.field);
  return tx('decision.problem.' + p.key, p.key, { n: m ? Number(m[1]) + 1 : 0 });
}

export function DecisionPanel({ c, onDecided }: { c: Case; onDecided: (c: Case) => void }) {
  const { t, tx } = useI18n();
  const { api } = useSession();
  const benefits = useBenefits(c);
  const [outcome, setOutcome] = useState<Outcome>('approve');
  const [lines, setLines] = useState<LineDraft[]>(() => [lineFor(defaultBenefit(c.incident_type), c.claimed_amount_fen)]);
  const [reasons, setReasons] = useState<ReasonDraft[]>([{ code: '', text: '', clause: '' }]);
  const [note, setNote] = useState('');
  const [acknowledgement, setAcknowledgement] = useState('');
  const [exGratia, setExGratia] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [rejecting, setRejecting] = useState<DecisionRequest | null>(null);
  const action = useBusy();
  const total = totalApprovedFen(outcome, lines);
  const bad = useMemo(() => new Set(problems.map((p) => p.field)), [problems]);

  const setLine = (i: number, k: keyof LineDraft, v: string) => setLines((ls) => ls.map((l, j) => (j === i ? { ...l, [k]: v } : l)));
  const setReason = (i: number, k: keyof ReasonDraft, v: string) => setReasons((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: v } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { request, problems } = buildDecision(outcome, lines, reasons, note, c.version);
    setProblems(problems);
    if (!request) return;
    if (outcome !== 'reject' && acknowledgement.trim()) request.acknowledge_unknown = acknowledgement.trim();
    if (outcome !== 'reject' && exGratia) request.ex_gratia = true;
    // A rejection is sent only from the dialog that shows its letter: the
    // form's Enter or the button open it, they never reject.
    if (outcome === 'reject') {
      setRejecting(request);
      return;
    }
    const out = await action.run(() => api.decide(c.claim_id, request));
    if (out) onDecided(out);
  };

  return (
    <form className="decision" onSubmit={submit} data-testid="decision-panel" noValidate>
      <h3>{t('decision.title')}</h3>
      <div className="segmented" role="radiogroup" aria-label={t('decision.title')}>
        {outcomes.map((o) => (
          <label key={o} className={outcome === o ? 'on' : ''}>
            <input type="radio" name="outcome" value={o} checked={outcome === o} onChange={() => setOutcome(o)} data-testid={`outcome-${o}`} />
            {tx('outcome.' + o, o)}
          </label>
        ))}
      </div>
      <datalist id="benefit-codes">
        {knownBenefits.map((code) => (
          <option key={code} value={code}>
            {tx('benefit.' + code, code)}
          </option>
        ))}
      </datalist>
      <table className="table compact lines" data-testid="decision-lines">
        <thead>
          <tr>
            <th>{t('decision.benefit')}</th>
            <th className="num">{t('decision.claimed')}</th>
            <th className="num">{t('decision.approved')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            <tr key={i}>
              <td>
                {benefits.length > 0 ? (
                  <select
                    className={bad.has(`lines[${i}].benefit`) ? 'invalid' : ''}
                    value={l.benefit}
                    onChange={(e) => setLine(i, 'benefit', e.target.value)}
                    aria-label={t('decision.benefit')}
                    data-testid={`line-benefit-${i}`}
                  >
                    <option value="">{t('decision.benefitPick')}</option>
                    {benefits.map((b) => (
                      <option key={b.code} value={b.code}>
                        {tx('benefit.' + b.code, b.name)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <>
                    <input
                      className={bad.has(`lines[${i}].benefit`) ? 'invalid' : ''}
                      list="benefit-codes"
                      value={l.benefit}
                      onChange={(e) => setLine(i, 'benefit', e.target.value)}
                      aria-label={t('decision.benefit')}
                      data-testid={`line-benefit-${i}`}
                    />
                    {l.benefit && <div className="muted small">{tx('benefit.' + l.benefit, '')}</div>}
                  </>
                )}
              </td>
              <td>
                <input
                  className={`num ${bad.has(`lines[${i}].claimed`) ? 'invalid' : ''}`}
                  inputMode="decimal"
                  placeholder="0.00"
                  value={l.claimed}
                  onChange={(e) => setLine(i, 'claimed', e.target.value)}
                  aria-label={t('decision.claimed')}
                  data-testid={`line-claimed-${i}`}
                />
              </td>
              <td>
                {outcome === 'partly_approve' ? (
                  <input
                    className={`num ${bad.has(`lines[${i}].approved`) ? 'invalid' : ''}`}
                    inputMode="decimal"
                    placeholder="0.00"
                    value={l.approved}
                    onChange={(e) => setLine(i, 'approved', e.target.value)}
                    aria-label={t('decision.approved')}
                    data-testid={`line-approved-${i}`}
                  />
                ) : (
                  <span className="muted">{outcome === 'approve' ? t('decision.inFull') : formatFen(0)}</span>
                )}
              </td>
              <td>
                {lines.length > 1 && (
                  <button type="button" className="btn btn-small" onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))} aria-label={t('decision.removeLine')}>
                    ×
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" className="btn btn-small" onClick={() => setLines((ls) => [...ls, { benefit: '', claimed: '', approved: '' }])} data-testid="add-line">
          {t('decision.addLine')}
        </button>
        <strong data-testid="decision-total">{t('decision.total', { amount: formatFen(total) })}</strong>
      </div>
      {outcome !== 'approve' && (
        <fieldset className="reasons" data-testid="decision-reasons">
          <legend>{t('decision.reasons')}</legend>
          {reasons.map((r, i) => (
            <div className="reason" key={i}>
              <select value={reasonCodes.includes(r.code) ? r.code : ''} onChange={(e) => setReason(i, 'code', e.target.value)} aria-label={t('decision.reasonCode')}>
                <option value="">{t('decision.reasonCode')}</option>
                {reasonCodes.map((code) => (
                  <option key={code} value={code}>
                    {tx('reason.' + code, code)}
                  </option>
                ))}
              </select>
              <input
                className={bad.has(`reasons[${i}].code`) ? 'invalid' : ''}
                value={r.code}
                onChange={(e) => setReason(i, 'code', e.target.value)}
                placeholder="CODE"
                aria-label={t('decision.reasonCode')}
                data-testid={`reason-code-${i}`}
              />
              <textarea
                className={bad.has(`reasons[${i}].text`) ? 'invalid' : ''}
                rows={2}
                maxLength={2000}
                value={r.text}
                onChange={(e) => setReason(i, 'text', e.target.value)}
                placeholder={t('decision.reasonText')}
                aria-label={t('decision.reasonText')}
                data-testid={`reason-text-${i}`}
              />
              <input
                className={bad.has(`reasons[${i}].clause`) ? 'invalid' : ''}
                value={r.clause}
                onChange={(e) => setReason(i, 'clause', e.target.value)}
                placeholder={t('decision.clausePlaceholder')}
                aria-label={t('decision.clause')}
                data-testid={`reason-clause-${i}`}
              />
            </div>
          ))}
          <button type="button" className="btn btn-small" onClick={() => setReasons((rs) => [...rs, { code: '', text: '', clause: '' }])} data-testid="add-reason">
            {t('decision.addReason')}
          </button>
          <LetterPreview c={c} reasons={reasons} />
        </fieldset>
      )}
      {outcome !== 'reject' && (
        <>
          <ContractLimit c={c} onUse={(benefit, fen) => setLines([lineFor(benefit, fen)])} />
          <UnknownAcknowledgement value={acknowledgement} set={setAcknowledgement} />
          <ExGratiaToggle on={exGratia} set={setExGratia} />
        </>
      )}
      <label className="field">
        <span>{t('decision.note')}</span>
        <textarea rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} data-testid="decision-note" />
      </label>
      {problems.length > 0 && (
        <ul className="alert alert-error problems" data-testid="decision-problems">
          {problems.map((p, i) => (
            <li key={i}>{problemText(tx, p)}</li>
          ))}
        </ul>
      )}
      {action.error ? <ErrorBox error={action.error} /> : null}
      <p className="muted small">{t('decision.authorityHint')}</p>
      {rejecting && (
        <ConfirmDialog
          title={t('decision.reject.confirmTitle')}
          confirmLabel={t('decision.reject.confirm')}
          danger
          testId="reject"
          onClose={() => setRejecting(null)}
          onConfirm={async () => onDecided(await api.decide(c.claim_id, rejecting))}
        >
          <p>{t('decision.reject.confirmText')}</p>
          <LetterPreview c={c} reasons={rejecting.reasons ?? []} />
        </ConfirmDialog>
      )}
      <div className="actions">
        <button type="submit" className={`btn ${outcome === 'reject' ? 'btn-danger' : 'btn-primary'}`} disabled={action.busy} data-testid="decide">
          {outcome === 'reject' ? t('decision.confirmReject') : t('decision.confirm', { outcome: tx('outcome.' + outcome, outcome), amount: formatFen(total) })}
        </button>
      </div>
    </form>
  );
}

/** A decision made: outcome, lines, reasons, who and when, and its approval. */
export function DecisionFacts({ d }: { d: Decision }) {
  const { t, tx, lang, tn } = useI18n();
  return (
    <div className="decision-facts" data-testid="decision-facts">
      <Facts
        rows={[
          [t('decision.result'), <strong data-testid="decision-outcome" data-outcome={d.outcome}>{tx('outcome.' + d.outcome, d.outcome)}</strong>],
          [t('decision.amountFen'), <span data-testid="decision-amount">{formatFen(d.amount_fen)} <ExGratiaLabel on={!!d.ex_gratia} /></span>],
          [t('decision.by'), `${d.decided_by} · ${formatDateTime(d.decided_at, lang)}`],
          [
            t('decision.approval'),
            d.needs_approval
              ? d.approved_by
                ? tn('decision.approvedBy', { at: formatDateTime(d.approved_at, lang) }, { by: d.approved_by ?? '' })
                : t('decision.awaitingApproval')
              : t('decision.withinAuthority'),
          ],
        ]}
      />
      {d.lines.length > 0 && (
        <table className="table compact">
          <thead>
            <tr>
              <th>{t('decision.benefit')}</th>
              <th className="num">{t('decision.claimed')}</th>
              <th className="num">{t('decision.approved')}</th>
            </tr>
          </thead>
          <tbody>
            {d.lines.map((l) => (
              <tr key={l.benefit} data-testid="decision-line">
                <td>{tx('benefit.' + l.benefit, l.benefit)}</td>
                <td className="num">{formatFen(l.claimed_fen)}</td>
                <td className="num">{formatFen(l.approved_fen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d.reasons.length > 0 && (
        <ol className="small">
          {d.reasons.map((r, i) => (
            <li key={i}>
              <strong>{tx('reason.' + r.code, r.code)}</strong> <span translate="no">{r.text}</span> <span className="muted" translate="no">{r.clause}</span>
            </li>
          ))}
        </ol>
      )}
      {d.note && <p className="small">{d.note}</p>}
    </div>
  );
}

/** The second pair of eyes (four-eyes): a senior handler other than the decider approves or returns. */
export function ApprovalPanel({ c, onChanged }: { c: Case; onChanged: (c: Case) => void }) {
  const { t } = useI18n();
  const { api, user } = useSession();
  const [reason, setReason] = useState('');
  const action = useBusy();
  const d = c.decision;
  if (!d) return null;
  if (!isSenior(user)) return <p className="muted" data-testid="approval-waiting">{t('decision.awaitingSenior')}</p>;
  if (d.decided_by === user.subject) return <p className="muted" data-testid="approval-waiting">{t('decision.notYourOwn')}</p>;
  const verdict = async (v: 'approve' | 'return') => {
    const out = await action.run(() => api.reviewDecision(c.claim_id, v, reason.trim(), c.version));
    if (out) onChanged(out);
  };
  return (
    <div className="approval" data-testid="approval-panel">
      <h3>{t('decision.fourEyes')}</h3>
      <label className="field">
        <span>{t('decision.approvalReason')}</span>
        <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="approval-reason" />
      </label>
      {action.error ? <ErrorBox error={action.error} /> : null}
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={() => void verdict('approve')} disabled={action.busy} data-testid="approve-decision">
          {t('decision.approveDecision', { amount: formatFen(d.amount_fen) })}
        </button>
        <button type="button" className="btn" onClick={() => void verdict('return')} disabled={action.busy || !reason.trim()} data-testid="return-decision">
          {t('decision.returnDecision')}
        </button>
      </div>
    </div>
  );
}
