// The payees waiting for a second person (segregation of duties, issue 14):
// a payment above the threshold is paid only once a senior handler who did
// not decide, approve, record or correct it confirms its payee. Payout
// decides who may; the list says who may not, and confirming asks once more
// in a dialog before the money goes out.

import { useState } from 'react';
import { ApiError } from '../api/client';
import type { Obligation } from '../api/types';
import { canConfirmPayees } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { formatFen } from '../lib/money';
import { formatDateTime } from '../lib/time';
import { useSession } from '../session';
import { PayeeCell } from './ClaimParts';
import { ErrorBox, Loading, ReasonButton, Section, useAsync, useBusy } from './common';

/** The dialog that asks a senior to confirm the payee of one payment: nothing is paid on one click. */
function ConfirmDialog({ o, onDone, onCancel }: { o: Obligation; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const action = useBusy();
  const confirm = async () => {
    const ok = await action.run(async () => {
      await api.confirmPayee(o.id);
      return true;
    });
    if (ok) onDone();
  };
  return (
    <div className="reason-prompt" role="dialog" aria-modal="true" aria-label={t('payouts.confirm.dialogTitle')} data-testid="confirm-payee-dialog">
      <strong>{t('payouts.confirm.dialogTitle')}</strong>
      <p>
        {t('payouts.confirm.dialogText', { amount: formatFen(o.amount_fen), payee: o.payee?.name ?? '—', account: o.payee?.account_number ?? '—' })}
      </p>
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={() => void confirm()} disabled={action.busy} data-testid="confirm-payee-yes">
          {t('payouts.confirm.yes')}
        </button>
        <button type="button" className="btn" onClick={onCancel} disabled={action.busy}>
          {t('common.cancel')}
        </button>
      </div>
      {action.error instanceof ApiError && action.error.status === 403 ? (
        <div className="alert alert-error" role="alert" data-testid="error">
          {t('payouts.confirm.notYou')}
        </div>
      ) : action.error ? (
        <ErrorBox error={action.error} />
      ) : null}
    </div>
  );
}

function WaitingRow({ o, onChanged }: { o: Obligation; onChanged: () => void }) {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const [asking, setAsking] = useState(false);
  const c = o.payee_confirmation;
  const excluded = c?.excluded ?? [];
  return (
    <tr data-testid="awaiting-row" data-claim={o.claim_id} data-id={o.id}>
      <td>
        <code title={o.claim_id}>{o.claim_id.slice(0, 8)}</code>
        <div className="muted small">{tx('payouts.type.' + o.payout_type, o.payout_type)}</div>
      </td>
      <td className="num">{formatFen(o.amount_fen)}</td>
      <td>
        <PayeeCell o={o} />
        {o.payee_corrected_by && <div className="muted small">{o.payee_corrected_by}</div>}
      </td>
      <td className="small">
        <div data-testid="may-confirm">{t('payouts.confirm.who', { who: tx('role.senior_handler', 'senior_handler') })}</div>
        {excluded.length > 0 && <div className="muted" data-testid="excluded">{t('payouts.confirm.excluded', { who: excluded.join('、') })}</div>}
        <div className="muted">{formatDateTime(o.scheduled_at, lang)}</div>
      </td>
      <td>
        {canConfirmPayees(user) &&
          (asking ? (
            <ConfirmDialog
              o={o}
              onCancel={() => setAsking(false)}
              onDone={() => {
                setAsking(false);
                onChanged();
              }}
            />
          ) : (
            <>
              <button type="button" className="btn btn-small btn-primary" onClick={() => setAsking(true)} data-testid="confirm-payee">
                {t('payouts.confirm.action')}
              </button>
              <ReasonButton
                label={t('payouts.confirm.reject')}
                prompt={t('payouts.confirm.rejectReason')}
                className="btn-small"
                testId="reject-payee"
                onConfirm={async (reason) => {
                  await api.rejectPayee(o.id, reason);
                  onChanged();
                }}
              />
            </>
          ))}
      </td>
    </tr>
  );
}

/** The payments waiting for their payee's confirmation, with who may act; reload is called after an action. */
export function PayeeConfirmations({ onChanged }: { onChanged: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const q = useAsync(() => api.obligations({ state: 'awaiting_payee_confirmation', limit: 500 }), [api]);
  const list = q.data?.obligations ?? [];
  const threshold = list[0]?.payee_confirmation?.threshold_fen ?? 500000;
  const changed = () => {
    q.reload();
    onChanged();
  };
  return (
    <Section title={t('payouts.confirm.title')} testId="payee-confirmations">
      <p className="muted small">{t('payouts.confirm.note', { threshold: formatFen(threshold) })}</p>
      {q.error ? (
        <ErrorBox error={q.error} onRetry={q.reload} />
      ) : !q.data ? (
        <Loading />
      ) : list.length === 0 ? (
        <p className="empty" data-testid="awaiting-empty">
          {t('payouts.confirm.empty')}
        </p>
      ) : (
        <table className="table compact" data-testid="awaiting-table">
          <thead>
            <tr>
              <th>{t('payouts.col.claim')}</th>
              <th className="num">{t('payouts.col.amount')}</th>
              <th>{t('payouts.col.payee')}</th>
              <th />
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((o) => (
              <WaitingRow key={o.id} o={o} onChanged={changed} />
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
