// Smaller parts of the claim page: the case's timeline (the audit), the
// notice of missing documents (R3), and the claim's payments with the
// payee masked unless revealed (R11).

import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { NOTICE_CHANNELS, type AuditEntry, type Notice, type Obligation, type Payee, type Report } from '../api/types';
import { canDecide, canJudgeDocuments, canReveal } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { bilingual, noticeAllowed } from '../lib/checklist';
import { openBlob } from '../lib/csv';
import { formatFen } from '../lib/money';
import { formatDateTime, localInputToRFC3339 } from '../lib/time';
import { useSession } from '../session';
import { PayeeCorrection } from './CaseWork';
import { ErrorBox, Field, Loading, ReasonButton, useAsync, useBusy } from './common';
import { DateTimeInput } from './DateInput';
import { ConfirmDialog } from './ConfirmDialog';

/** Actor names a user as they are (not translated), and the system by the service that acted (system:intake → 报案与材料系统). */
export function Actor({ who }: { who: string }) {
  const { t, tx } = useI18n();
  if (who.startsWith('system:')) {
    const service = who.slice('system:'.length);
    return <>{t('actor.system', { service: tx('service.' + service, service) })}</>;
  }
  return <span translate="no">{who}</span>;
}

/** ReasonText shows a person's words, with the rejection reasons' codes they quote (WAITING_PERIOD: …) by their names. */
export function ReasonText({ text }: { text: string }) {
  const { tx, lang } = useI18n();
  const parts = text.split(/\b([A-Z][A-Z_]{2,}):/);
  return (
    <span translate="no">
      {parts.map((p, i) => (i % 2 === 1 ? `${tx('reason.' + p, p)}${lang === 'en' ? ':' : '：'}` : p))}
    </span>
  );
}

/** The case's audit: every change, who, when and why, oldest first. */
export function Timeline({ entries }: { entries: AuditEntry[] }) {
  const { t, tx, lang } = useI18n();
  if (entries.length === 0) return <p className="muted">{t('claim.timeline.empty')}</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {entries.map((e, i) => (
        <li key={i} data-testid="timeline-entry" data-action={e.action}>
          <time dateTime={e.at}>{formatDateTime(e.at, lang)}</time> <strong>{tx('action.' + e.action, e.action)}</strong>
          {e.from_state && e.to_state && e.from_state !== e.to_state && (
            <span className="small">
              {' '}
              {tx('state.' + e.from_state, e.from_state)} → {tx('state.' + e.to_state, e.to_state)}
            </span>
          )}
          <span className="muted small"> · <Actor who={e.actor} /></span>
          {e.reason && <div className="small">{e.reason_code ? tx('auditreason.' + e.reason_code, e.reason) : <ReasonText text={e.reason} />}</div>}
        </li>
      ))}
    </ol>
  );
}

function NoticeView({ n, report, onChanged }: { n: Notice; report: Report; onChanged: () => void }) {
  const { t, tx, lang, tn } = useI18n();
  const { api, user } = useSession();
  const print = useBusy();
  return (
    <div className="notice" data-testid="notice" data-seq={n.seq}>
      <p>
        <strong>{n.one_time ? t('notice.oneTime') : t('notice.later', { seq: n.seq })}</strong> ·{' '}
        {tn('notice.sent', { at: formatDateTime(n.sent_at, lang), channel: tx('noticeChannel.' + n.channel, n.channel) }, { by: n.sent_by })}
      </p>
      <ul className="small">
        {n.items.map((i) => (
          <li key={i.item_id}>{lang === 'en' ? i.title_en : i.title}</li>
        ))}
      </ul>
      {n.reason && <p className="small">{n.reason}</p>}
      <p className="small">
        {n.supplement_received_at ? t('notice.supplementIn', { at: formatDateTime(n.supplement_received_at, lang) }) : t('notice.supplementAwaited')}
      </p>
      <IntakeNoticeDelivery n={n} report={report} onChanged={onChanged} mayRecord={canJudgeDocuments(user)} />
      <button type="button" className="btn btn-small" onClick={() => void print.run(async () => openBlob(await api.noticeLetter(n.letter), `notice-${n.seq}.html`))}>
        {t('notice.print')}
      </button>
      {print.error ? <ErrorBox error={print.error} /> : null}
    </div>
  );
}

/**
 * When intake's notice reached the claimant. The decision clock (R4) stops
 * from the day after (Judicial Interpretation II art. 15), not from the
 * sending: a letter's postal receipt is recorded with the date it was signed
 * for, once, while the claim is still with intake.
 */
function IntakeNoticeDelivery({ n, report, onChanged, mayRecord }: { n: Notice; report: Report; onChanged: () => void; mayRecord: boolean }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const busy = useBusy();
  const [receipt, setReceipt] = useState('');
  const [at, setAt] = useState('');
  if (n.delivered_at) {
    return (
      <p className="small" data-testid="notice-delivered">
        {t('case.notice.delivered', { at: formatDateTime(n.delivered_at, lang) })} · {n.receipt}
      </p>
    );
  }
  if (report.handed_over_at || !mayRecord) {
    return <p className="small muted" data-testid="notice-not-delivered">{t('notice.notDelivered')}</p>;
  }
  const record = async (e: FormEvent) => {
    e.preventDefault();
    const out = await busy.run(() => api.recordIntakeNoticeDelivered(report.id, n.seq, receipt.trim(), localInputToRFC3339(at) ?? undefined));
    if (out) onChanged();
  };
  return (
    <form className="reason-prompt" onSubmit={(e) => void record(e)} data-testid="intake-delivery-form">
      <p className="small muted">{t('case.notice.notDelivered')}</p>
      <Field label={t('case.notice.receipt')} hint={t('case.notice.receiptHint')}>
        <input value={receipt} onChange={(e) => setReceipt(e.target.value)} data-testid="intake-delivery-receipt" />
      </Field>
      <Field label={t('case.notice.deliveredAt')} hint={t('case.notice.deliveredAtHint')}>
        <DateTimeInput value={at} onChange={setAt} testId="intake-delivery-at" />
      </Field>
      {busy.error ? <ErrorBox error={busy.error} /> : null}
      <button type="submit" className="btn btn-primary" disabled={busy.busy || !receipt.trim()} data-testid="intake-delivery-submit">
        {t('case.notice.record')}
      </button>
    </form>
  );
}

/**
 * The notice of missing documents (R3): the one-time notice lists every
 * missing item together and stops the decision clock; a later one needs
 * the reason new information made an item necessary.
 */
export function MissingDocumentsNotice({ report, onSent }: { report: Report; onSent: () => void }) {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const [channel, setChannel] = useState<string>('sms');
  const [reason, setReason] = useState('');
  const notices = report.missing_documents_notices ?? [];
  const allowed = noticeAllowed(report);
  const [asking, setAsking] = useState(false);
  // The preview is computed from the checklist as intake answers it when the
  // dialog opens, not from the page's copy: a document uploaded meanwhile is
  // not listed as missing.
  const current = useAsync(() => (asking ? api.report(report.id) : Promise.resolve(null)), [api, report.id, asking]);
  const items = (current.data?.checklist?.items ?? []).filter((i) => i.state === 'missing');
  const send = async () => {
    // Errors show in the dialog: a notice refused because the checklist
    // changed since the preview leaves the dialog open to look again.
    await api.sendNotice(report.id, channel, allowed.kind === 'later' ? reason.trim() : undefined, items.map((i) => i.id));
    setReason('');
    onSent();
  };
  return (
    <div data-testid="missing-documents">
      {notices.map((n) => (
        <NoticeView key={n.seq} n={n} report={report} onChanged={onSent} />
      ))}
      {allowed.kind === 'none' ? (
        notices.length === 0 && <p className="muted small">{tx('notice.why.' + allowed.why, allowed.why)}</p>
      ) : (
        canJudgeDocuments(user) && (
          <div className="row">
            <label className="field inline">
              <span>{t('notice.channel')}</span>
              <select value={channel} onChange={(e) => setChannel(e.target.value)} data-testid="notice-channel">
                {NOTICE_CHANNELS.map((ch) => (
                  <option key={ch} value={ch}>
                    {tx('noticeChannel.' + ch, ch)}
                  </option>
                ))}
              </select>
            </label>
            {allowed.kind === 'later' && (
              <label className="field inline">
                <span>{t('notice.reason')}</span>
                <input value={reason} onChange={(e) => setReason(e.target.value)} />
              </label>
            )}
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => setAsking(true)}
              disabled={allowed.kind === 'later' && !reason.trim()}
              data-testid="send-notice"
            >
              {allowed.kind === 'one-time' ? t('notice.sendOneTime') : t('notice.sendLater')}…
            </button>
            {asking && (
              <ConfirmDialog
                title={allowed.kind === 'one-time' ? t('notice.confirmOneTime') : t('notice.confirmLater')}
                confirmLabel={allowed.kind === 'one-time' ? t('notice.sendOneTime') : t('notice.sendLater')}
                ready={!!current.data && items.length > 0}
                testId="notice"
                onClose={() => setAsking(false)}
                onConfirm={send}
              >
                <p>{t('notice.confirmChannel', { channel: tx('noticeChannel.' + channel, channel) })}</p>
                {current.error ? (
                  <ErrorBox error={current.error} onRetry={current.reload} />
                ) : !current.data ? (
                  <Loading />
                ) : items.length === 0 ? (
                  <p data-testid="notice-nothing">{t('notice.confirmNothing')}</p>
                ) : (
                  <ul data-testid="notice-preview-items">
                    {items.map((i) => (
                      <li key={i.id} data-testid="notice-preview-item" data-item={i.id}>
                        {bilingual(i.title, i.title_en, lang)}
                      </li>
                    ))}
                  </ul>
                )}
                {allowed.kind === 'later' && <p className="small">{t('notice.reason')}: {reason.trim()}</p>}
              </ConfirmDialog>
            )}
          </div>
        )
      )}
    </div>
  );
}

/** A payee, masked as the service answers it, with the reveal for those allowed (R11). */
export function PayeeCell({ o }: { o: Obligation }) {
  const { t, tx } = useI18n();
  const { api, user } = useSession();
  const [clear, setClear] = useState<Payee | null>(null);
  const p = clear ?? o.payee;
  if (!p) return <>—</>;
  return (
    <div className="payee-cell" data-testid="payee" data-revealed={String(!!clear)}>
      <span data-testid={clear ? 'revealed-payee' : 'masked-payee'}>
        {p.name}（{tx('reporter.' + p.role, p.role)}） · {p.bank_name} · <code>{p.account_number}</code>
        {p.on_behalf_of && <span className="muted small"> · {t('payee.onBehalfOf', { name: p.on_behalf_of.name })}</span>}
      </span>
      {!clear && canReveal(user) && (
        <ReasonButton
          label={t('reveal.button')}
          prompt={t('reveal.reason')}
          confirmLabel={t('reveal.confirm')}
          className="btn-small"
          testId="reveal-payee"
          onConfirm={async (reason) => setClear(await api.revealPayee(o.id, reason))}
        />
      )}
      {clear && <p className="muted small">{t('reveal.recorded')}</p>}
    </div>
  );
}

/** A claim's payments (payout), as a handler or finance sees them; a handler corrects the payee of a failed one. */
export function Payments({ list, agreed, error, onChanged }: { list: Obligation[] | undefined; agreed: boolean; error: unknown; onChanged: () => void }) {
  const { t, tx, lang } = useI18n();
  const { user } = useSession();
  if (error) return error instanceof ApiError && error.status === 403 ? <p className="muted">{t('error.forbidden')}</p> : <ErrorBox error={error} />;
  if (!list) return null;
  if (list.length === 0) {
    return (
      <p className="muted" data-testid="claim-payouts-empty">
        {agreed ? t('claim.payouts.scheduling') : t('claim.payouts.pending')}
      </p>
    );
  }
  return (
    <ul className="plain" data-testid="claim-payouts">
      {list.map((o) => (
        <li key={o.id} data-testid="claim-payout" data-state={o.state} data-type={o.payout_type}>
          <strong>{formatFen(o.amount_fen)}</strong> · {tx('payouts.type.' + o.payout_type, o.payout_type)} ·{' '}
          <span className={`badge pay-${o.state}`}>{tx('payouts.state.' + o.state, o.state)}</span>{' '}
          <span className="muted small">
            {formatDateTime(o.completed_at ?? o.scheduled_at, lang)} {o.bank_reference && <code>{o.bank_reference}</code>}
          </span>
          {o.advanced_fen ? <div className="small muted">{t('payouts.lessAdvances', { agreed: formatFen(o.agreed_amount_fen ?? 0), advanced: formatFen(o.advanced_fen) })}</div> : null}
          <PayeeCell o={o} />
          {o.state === 'failed' && (
            <div className="small">
              <span className="bad">{t('payouts.bankSaid')}<span translate="no">{o.last_error}</span></span> {canDecide(user) && <PayeeCorrection o={o} onCorrected={onChanged} />}
            </div>
          )}
          {!o.payee && o.state !== 'failed' && o.state !== 'completed' && o.state !== 'cancelled' && (
            <div className="small" data-testid="payee-unreadable">
              <span className="bad">{t('payouts.payeeUnreadable')}</span> {canDecide(user) && o.state === 'scheduled' && <PayeeCorrection o={o} onCorrected={onChanged} />}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}
