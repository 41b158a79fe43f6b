// The decision panel of a case: approve with an amount (typed in yuan, sent
// in fen), or reject with reasons and a preview of the rejection letter.
// Marking a case complex and the one-time missing-documents notice come
// with adjudication's next API (issue 5).

import { useState, type FormEvent } from 'react';
import type { Case } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { formatFen, parseYuan } from '../lib/money';
import { formatDateTime } from '../lib/time';
import { useSession } from '../session';
import { ErrorBox } from './common';

export function LetterPreview({ c, reason }: { c: Case; reason: string }) {
  const { t, lang } = useI18n();
  return (
    <article className="letter" data-testid="letter-preview" aria-label={t('decision.letterPreview')}>
      <h3>{t('letter.title')}</h3>
      <p>{t('letter.salutation', { name: c.insured_name })}</p>
      <p>{t('letter.body', { date: formatDateTime(c.first_received_at, lang), policy: c.policy_number, claim: c.claim_id })}</p>
      <blockquote>{reason || '……'}</blockquote>
      <p className="small">{t('letter.footer')}</p>
    </article>
  );
}

export function DecisionPanel({ c, onDecided }: { c: Case; onDecided: (c: Case) => void }) {
  const { t } = useI18n();
  const { api, user } = useSession();
  const [outcome, setOutcome] = useState<'approve' | 'reject'>('approve');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fen = parseYuan(amount);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    if (outcome === 'approve' && fen === null) return setInvalid(t('decision.amount.invalid'));
    if (outcome === 'reject' && !reason.trim()) return setInvalid(t('decision.reason.required'));
    setInvalid(null);
    setBusy(true);
    try {
      onDecided(
        await api.decide(c.claim_id, {
          outcome,
          amount_fen: outcome === 'approve' ? (fen ?? 0) : 0,
          reason: outcome === 'reject' ? reason.trim() : undefined,
          decided_by: user.subject,
        }),
      );
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="decision" onSubmit={submit} data-testid="decision-panel" noValidate>
      <div className="segmented" role="radiogroup" aria-label={t('decision.title')}>
        {(['approve', 'reject'] as const).map((o) => (
          <label key={o} className={outcome === o ? 'on' : ''}>
            <input type="radio" name="outcome" value={o} checked={outcome === o} onChange={() => setOutcome(o)} data-testid={`outcome-${o}`} />
            {o === 'approve' ? t('decision.approve') : t('decision.reject')}
          </label>
        ))}
      </div>
      {outcome === 'approve' ? (
        <label className="field">
          <span>{t('decision.amount')}</span>
          <input name="amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder="0.00" data-testid="amount" />
        </label>
      ) : (
        <>
          <label className="field">
            <span>{t('decision.reason')}</span>
            <textarea name="reason" rows={4} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="reason" />
          </label>
          <LetterPreview c={c} reason={reason.trim()} />
        </>
      )}
      {invalid && <p className="alert alert-error">{invalid}</p>}
      {failure ? <ErrorBox error={failure} /> : null}
      <div className="actions">
        <button type="submit" className={`btn ${outcome === 'reject' ? 'btn-danger' : 'btn-primary'}`} disabled={busy} data-testid="decide">
          {outcome === 'approve'
            ? t('decision.confirmApprove', { amount: fen === null ? '' : formatFen(fen) })
            : t('decision.confirmReject')}
        </button>
      </div>
      <div className="actions secondary">
        <button type="button" className="btn" disabled title={t('decision.comingSoon')}>
          {t('decision.complex')}
        </button>
        <button type="button" className="btn" disabled title={t('decision.comingSoon')}>
          {t('decision.notice')}
        </button>
        <span className="muted small">{t('decision.comingSoon')}</span>
      </div>
    </form>
  );
}

const channels = ['post', 'email', 'sms', 'app', 'in_person'] as const;

/** The rejection letter (R5): sent, or recorded as sent here. */
export function RejectionLetter({ c, canRecord, onRecorded }: { c: Case; canRecord: boolean; onRecorded: (c: Case) => void }) {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const [channel, setChannel] = useState<string>('post');
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const l = c.rejection_letter;
  const record = async () => {
    setBusy(true);
    setFailure(null);
    try {
      onRecorded(await api.recordRejectionLetter(c.claim_id, channel, user.subject));
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="letter-status" data-testid="rejection-letter">
      {l ? (
        <p className="alert alert-ok" data-testid="letter-sent">{t('letter.sent', { at: formatDateTime(l.sent_at, lang), channel: tx('channel.' + l.channel, l.channel), by: l.sent_by })}</p>
      ) : (
        <>
          <p className="alert alert-warn">{t('letter.notSent')}</p>
          {canRecord && (
            <div className="row">
              <label className="field inline">
                <span>{t('letter.channel')}</span>
                <select value={channel} onChange={(e) => setChannel(e.target.value)}>
                  {channels.map((ch) => (
                    <option key={ch} value={ch}>
                      {tx('channel.' + ch, ch)}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" className="btn" onClick={record} disabled={busy} data-testid="record-letter">
                {t('letter.record')}
              </button>
            </div>
          )}
          {failure ? <ErrorBox error={failure} /> : null}
        </>
      )}
    </div>
  );
}
