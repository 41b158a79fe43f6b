// Straight-through adjudication's oversight (issue 19): the decisions a
// senior reviews after the fact (sampled automatic decisions, approvals
// nothing on the claim supports), and the audited switch of the path.

import { useState } from 'react';
import type { AutoReview } from '../api/auto';
import { isSenior } from '../auth/permissions';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorBox, Loading, Section, useAsync, useBusy } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { formatFen } from '../lib/money';
import { formatDateTime } from '../lib/time';
import { Link } from '../router';
import { useSession } from '../session';

export function AutoReviews() {
  const { t } = useI18n();
  return (
    <>
      <h1>{t('auto.title')}</h1>
      <Switch />
      <Reviews />
    </>
  );
}

function Switch() {
  const { t, lang } = useI18n();
  const { api, user } = useSession();
  const q = useAsync(() => api.autoSwitch(), [api]);
  const [confirming, setConfirming] = useState(false);
  const mayChange = isSenior(user) || !!user?.roles.includes('admin');
  if (q.error) return <ErrorBox error={q.error} onRetry={q.reload} />;
  if (!q.data) return <Loading />;
  const s = q.data;
  return (
    <Section
      title={t('auto.switch')}
      testId="auto-switch"
      actions={
        mayChange && (
          <button type="button" className={s.enabled ? 'btn btn-danger' : 'btn'} onClick={() => setConfirming(true)} data-testid="auto-switch-toggle">
            {s.enabled ? t('auto.turnOff') : t('auto.turnOn')}
          </button>
        )
      }
    >
      <p data-testid="auto-switch-state">{s.enabled ? t('auto.switchOn') : t('auto.switchOff')}</p>
      {s.changes.length > 0 && (
        <>
          <h3>{t('auto.switchHistory')}</h3>
          <ul className="small">
            {s.changes.map((c, i) => (
              <li key={i}>
                {formatDateTime(c.changed_at, lang)} · {c.changed_by} · {c.enabled ? t('auto.switchOn') : t('auto.switchOff')} · {c.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {confirming && (
        <ConfirmDialog
          title={s.enabled ? t('auto.turnOff') : t('auto.turnOn')}
          confirmLabel={s.enabled ? t('auto.turnOff') : t('auto.turnOn')}
          reasonLabel={t('auto.switchReason')}
          danger={s.enabled}
          testId="auto-switch-confirm"
          onConfirm={async (reason) => q.set(await api.setAutoSwitch(!s.enabled, reason))}
          onClose={() => setConfirming(false)}
        >
          <p>{t('auto.switchConfirm')}</p>
        </ConfirmDialog>
      )}
    </Section>
  );
}

/**
 * Reviews is the queue of decisions a senior reviews after the fact: the
 * pending ones by default, or all of them with each one's outcome (an
 * auditor looks at both). A decision found wrong needs a note (the server
 * refuses one without it: say so before sending).
 */
function Reviews() {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const [state, setState] = useState<'pending' | 'all'>('pending');
  const q = useAsync(() => api.autoReviews(state), [api, state]);
  const filter = (
    <div className="row" role="group" aria-label={t('auto.reviews')}>
      {(['pending', 'all'] as const).map((s) => (
        <button
          key={s}
          type="button"
          className={`btn btn-small ${state === s ? 'btn-primary' : ''}`}
          aria-pressed={state === s}
          onClick={() => setState(s)}
          data-testid={`auto-reviews-${s}`}
        >
          {s === 'pending' ? t('auto.reviewsPending') : t('auto.reviewsAll')}
        </button>
      ))}
    </div>
  );
  if (q.error) return <ErrorBox error={q.error} onRetry={q.reload} />;
  if (!q.data) return <Loading />;
  const reviews = q.data.reviews;
  return (
    <Section title={t('auto.reviews')} testId="auto-reviews" actions={filter}>
      <p className="muted small">{t('auto.reviewsHint')}</p>
      {reviews.length === 0 ? (
        <p className="muted">{t('auto.reviewsEmpty')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('auto.reviewReason')}</th>
              <th>{t('auto.amount')}</th>
              <th>{t('auto.decidedBy')}</th>
              <th>{t('auto.outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {reviews.map((r) => (
              <tr key={r.claim_id} data-testid="auto-review" data-claim={r.claim_id} data-outcome={r.outcome}>
                <td>
                  <Link to={`/claims/${encodeURIComponent(r.claim_id)}`}>{tx('auto.reviewReason.' + r.reason, r.reason)}</Link>
                  <div className="muted small">
                    {r.claim_id} · {formatDateTime(r.sampled_at, lang)}
                  </div>
                </td>
                <td>{formatFen(r.amount_fen)}</td>
                <td>{r.decided_by}</td>
                <td>
                  {r.outcome ? (
                    <>
                      <strong>{tx('auto.outcome.' + r.outcome, r.outcome)}</strong>
                      <div className="muted small">
                        {t('auto.reviewedBy', { by: r.reviewed_by ?? '', at: r.reviewed_at ? formatDateTime(r.reviewed_at, lang) : '' })}
                        {r.note ? ` · ${r.note}` : ''}
                      </div>
                    </>
                  ) : isSenior(user) ? (
                    <ReviewForm r={r} onDone={q.reload} />
                  ) : (
                    <span className="muted">{t('auto.reviewsPending')}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function ReviewForm({ r, onDone }: { r: AutoReview; onDone: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [note, setNote] = useState('');
  const action = useBusy();
  const send = (outcome: 'confirmed' | 'wrong') => void action.run(() => api.reviewAuto(r.claim_id, outcome, note)).then((ok) => ok && onDone());
  const noNote = note.trim() === '';
  return (
    <div className="row">
      <input aria-label={t('auto.note')} placeholder={t('auto.note')} value={note} onChange={(e) => setNote(e.target.value)} data-testid="auto-review-note" />
      <button type="button" className="btn btn-small" disabled={action.busy} onClick={() => send('confirmed')} data-testid="auto-review-confirm">
        {t('auto.confirm')}
      </button>
      <button
        type="button"
        className="btn btn-small btn-danger"
        disabled={action.busy || noNote}
        title={noNote ? t('auto.wrongNeedsNote') : undefined}
        onClick={() => send('wrong')}
        data-testid="auto-review-wrong"
      >
        {t('auto.wrong')}
      </button>
      {action.error !== null && <ErrorBox error={action.error} />}
    </div>
  );
}
