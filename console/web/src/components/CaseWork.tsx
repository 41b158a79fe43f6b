// The work on a case besides the decision: review and assignment, asking
// for documents (the R4 clock stops) and recording their arrival, marking a
// case complex (senior handlers; the 30-day rule), the automatic checks and
// their overrides, the rejection notice (R5), the claimant's agreement with
// the payee (payout pays from it, R6), catastrophe advances (R8), closing.

import { useState, type FormEvent } from 'react';
import { AGREEMENT_CHANNELS, PAYEE_ROLES, SUPPLEMENTARY_NOTICE_CHANNELS, type Case, type Obligation, type Payee } from '../api/types';
import { canDecide, isSenior } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { download } from '../lib/csv';
import { formatFen, parseYuan } from '../lib/money';
import { formatDateTime, localInputToRFC3339 } from '../lib/time';
import { useSession } from '../session';
import { ErrorBox, Facts, Field, Loading, ReasonButton, useAsync, useBusy } from './common';
import { CheckBlocking, mayOverride } from './Controls';
import { DateTimeInput } from './DateInput';
import { localParams } from '../lib/params';

/** Review, assignment, documents, complex and close: what the case's state allows. */
export function CaseActions({ c, onChanged }: { c: Case; onChanged: (c: Case) => void }) {
  const { t, tx } = useI18n();
  const { api, user } = useSession();
  const action = useBusy();
  const [docs, setDocs] = useState('');
  const [noticeReason, setNoticeReason] = useState('');
  const [noticeChannel, setNoticeChannel] = useState<string>('post');
  const [asking, setAsking] = useState(false);
  const [assignee, setAssignee] = useState('');
  if (!canDecide(user)) return null;
  const act = async (f: () => Promise<Case>) => {
    const out = await action.run(f);
    if (out) onChanged(out);
  };
  const undecided = ['received', 'under_review', 'awaiting_documents', 'complex'].includes(c.state);
  const decidable = ['received', 'under_review', 'complex'].includes(c.state);
  const mine = c.assignee === user.subject;
  return (
    <div className="case-actions" data-testid="case-actions">
      <p className="small">
        {t('case.assignee')}: <strong data-testid="case-assignee">{c.assignee || t('case.unassigned')}</strong>
      </p>
      <div className="actions">
        {c.state === 'received' && (
          <button type="button" className="btn" onClick={() => void act(() => api.startReview(c.claim_id))} disabled={action.busy} data-testid="start-review">
            {t('case.startReview')}
          </button>
        )}
        {undecided && !c.assignee && (
          <button type="button" className="btn" onClick={() => void act(() => api.assign(c.claim_id, user.subject))} disabled={action.busy} data-testid="take-case">
            {t('case.take')}
          </button>
        )}
        {undecided && mine && (
          <button type="button" className="btn" onClick={() => void act(() => api.assign(c.claim_id, ''))} disabled={action.busy}>
            {t('case.giveUp')}
          </button>
        )}
        {decidable && !asking && (
          <button type="button" className="btn" onClick={() => setAsking(true)} data-testid="request-documents">
            {t('case.requestDocuments')}
          </button>
        )}
        {c.state === 'awaiting_documents' && (
          <button type="button" className="btn btn-primary" onClick={() => void act(() => api.documentsReceived(c.claim_id))} disabled={action.busy} data-testid="documents-received">
            {t('case.documentsReceived')}
          </button>
        )}
        {isSenior(user) && ['received', 'under_review', 'awaiting_documents'].includes(c.state) && !c.complex && (
          <ReasonButton
            label={t('case.markComplex')}
            prompt={t('case.markComplex.reason')}
            testId="mark-complex"
            onConfirm={async (reason) => onChanged(await api.markComplex(c.claim_id, reason))}
          />
        )}
        {(undecided || c.state === 'agreed' || (c.state === 'rejected' && !!c.rejection_letter?.sent_at)) && (
          <ReasonButton
            label={undecided ? t('case.withdraw') : t('case.close')}
            prompt={t('case.close.reason')}
            testId="close-case"
            onConfirm={async (reason) => onChanged(await api.close(c.claim_id, reason))}
          />
        )}
      </div>
      {isSenior(user) && undecided && (
        <div className="row">
          <label className="field inline">
            <span>{t('case.assignTo')}</span>
            <input value={assignee} onChange={(e) => setAssignee(e.target.value)} placeholder="handler-2" />
          </label>
          <button type="button" className="btn btn-small" disabled={!assignee.trim() || action.busy} onClick={() => void act(() => api.assign(c.claim_id, assignee.trim()))}>
            {t('case.assign')}
          </button>
        </div>
      )}
      {asking && (
        <form
          className="reason-prompt"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            const list = docs.split(/[、,，;；\n]+/).map((d) => d.trim()).filter(Boolean);
            if (list.length === 0) return;
            void act(() => api.requestDocuments(c.claim_id, list, { reason: noticeReason.trim(), channel: noticeChannel })).then(() => setAsking(false));
          }}
        >
          <Field label={t('case.requestDocuments.which')} hint={t('case.requestDocuments.hint')}>
            <input value={docs} onChange={(e) => setDocs(e.target.value)} autoFocus data-testid="request-documents-list" />
          </Field>
          <Field label={t('case.requestDocuments.reason')} hint={t('case.requestDocuments.reasonHint')}>
            <input value={noticeReason} onChange={(e) => setNoticeReason(e.target.value)} data-testid="request-documents-reason" />
          </Field>
          <label className="field">
            <span>{t('case.requestDocuments.channel')}</span>
            <select name="notice_channel" value={noticeChannel} onChange={(e) => setNoticeChannel(e.target.value)} data-testid="request-documents-channel">
              {SUPPLEMENTARY_NOTICE_CHANNELS.map((ch) => (
                <option key={ch} value={ch}>
                  {tx('channel.' + ch, ch)}
                </option>
              ))}
            </select>
          </label>
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={action.busy || !docs.trim()}>
              {t('case.requestDocuments.send')}
            </button>
            <button type="button" className="btn" onClick={() => setAsking(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      <NoticeDelivery c={c} onChanged={onChanged} />
      {action.error ? <ErrorBox error={action.error} /> : null}
    </div>
  );
}

/**
 * The last supplementary notice of adjudication: what it asked for, why and
 * by which channel, and its delivery. The decision clock (R4) stops from the
 * day after the notice reached the claimant (Judicial Interpretation II art.
 * 15), so the handler records the gateway's delivery receipt or the signed
 * postal receipt and its date.
 */
function NoticeDelivery({ c, onChanged }: { c: Case; onChanged: (c: Case) => void }) {
  const { t, tx, lang } = useI18n();
  const { api } = useSession();
  const busy = useBusy();
  const [receipt, setReceipt] = useState('');
  const [at, setAt] = useState('');
  const last = [...(c.supplements ?? [])].reverse().find((s) => s.requested_by !== 'intake');
  if (!last) return null;
  const delivered = !!last.delivered_at;
  const record = async (e: FormEvent) => {
    e.preventDefault();
    const out = await busy.run(() => api.recordNoticeDelivered(c.claim_id, receipt.trim(), localInputToRFC3339(at) ?? undefined));
    if (out) onChanged(out);
  };
  return (
    <div className="notice-delivery" data-testid="notice-last" data-channel={last.channel ?? ''} data-delivered={String(delivered)}>
      <p className="small">
        {t('case.notice.sent', { at: formatDateTime(last.notice_sent_at, lang) })} · {(last.documents ?? []).join('、')} ·{' '}
        <span data-testid="notice-channel">{tx('channel.' + (last.channel ?? ''), last.channel ?? '')}</span>
        {last.reason ? (
          <>
            {' '}
            · {t('case.requestDocuments.reason')}: <span data-testid="notice-reason">{last.reason}</span>
          </>
        ) : null}
      </p>
      {delivered ? (
        <p className="small" data-testid="notice-delivered">
          {t('case.notice.delivered', { at: formatDateTime(last.delivered_at as string, lang) })} · {last.receipt}
        </p>
      ) : (
        c.state === 'awaiting_documents' && (
          <form className="reason-prompt" onSubmit={(e) => void record(e)} data-testid="delivery-form">
            <p className="small muted">{t('case.notice.notDelivered')}</p>
            <Field label={t('case.notice.receipt')} hint={t('case.notice.receiptHint')}>
              <input value={receipt} onChange={(e) => setReceipt(e.target.value)} data-testid="delivery-receipt" />
            </Field>
            <Field label={t('case.notice.deliveredAt')} hint={t('case.notice.deliveredAtHint')}>
              <DateTimeInput value={at} onChange={setAt} testId="delivery-at" />
            </Field>
            {busy.error ? <ErrorBox error={busy.error} /> : null}
            <button type="submit" className="btn btn-primary" disabled={busy.busy || !receipt.trim()} data-testid="delivery-submit">
              {t('case.notice.record')}
            </button>
          </form>
        )
      )}
    </div>
  );
}

/** The automatic checks against policy and product: they inform, the handler decides. */
export function Checks({ c, onChanged }: { c: Case; onChanged: (c: Case) => void }) {
  const { t, tx, lang, tn } = useI18n();
  const { api, user } = useSession();
  const q = useAsync(() => api.checks(c.claim_id), [api, c.claim_id, c.version]);
  if (q.loading && !q.data) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} onRetry={q.reload} />;
  const list = q.data ?? [];
  if (list.length === 0) return <p className="muted">{t('checks.none')}</p>;
  return (
    <ul className="plain checks" data-testid="checks">
      {list.map((r) => (
        <li key={r.check} data-testid="check" data-check={r.check} data-result={r.result}>
          <span className={`badge check-${r.result}`}>{tx('checkresult.' + r.result, r.result)}</span> <strong>{tx('check.' + r.check, r.check)}</strong>
          <div className="small" data-testid="check-reason">
            {r.reason_code ? tx('checkreason.' + r.reason_code, r.reason, localParams(r.params ?? {}, lang, tx)) : r.reason}
          </div>
          {r.override && (
            <div className="small muted">
              {tn('checks.overridden', { at: formatDateTime(r.override.at, lang) }, { by: r.override.by })}: {r.override.reason}
            </div>
          )}
          <CheckBlocking r={r} />
          {(!r.override || !r.override.senior) && (r.result === 'fail' || r.result === 'warn') && mayOverride(c, user?.subject, isSenior(user)) && ['received', 'under_review', 'complex'].includes(c.state) && (
            <ReasonButton
              label={t('checks.override')}
              prompt={t('checks.override.reason')}
              className="btn-small"
              testId="override-check"
              onConfirm={async (reason) => {
                onChanged(await api.overrideCheck(c.claim_id, r.check, reason));
                q.reload();
              }}
            />
          )}
        </li>
      ))}
    </ul>
  );
}

/** Only written channels meet R5; an SMS or app message alone does not. */
const letterChannels = ['post', 'in_person', 'registered_electronic'] as const;

/** The rejection notice (R5): the PDF, and its sending recorded. */
export function RejectionLetterBox({ c, onChanged }: { c: Case; onChanged: (c: Case) => void }) {
  const { t, tx, lang, tn } = useI18n();
  const { api, user } = useSession();
  const [channel, setChannel] = useState<string>('post');
  const action = useBusy();
  const pdf = useBusy();
  const l = c.rejection_letter;
  const save = () =>
    void pdf.run(async () => download(await api.rejectionLetterPdf(c.claim_id), `rejection-${l?.letter_number ?? c.claim_id}.pdf`));
  return (
    <div className="letter-status" data-testid="rejection-letter">
      <div className="actions">
        <button type="button" className="btn" onClick={save} disabled={pdf.busy} data-testid="rejection-letter-download">
          {t('letter.download')}
          {l?.letter_number ? ` · ${l.letter_number}` : ''}
        </button>
      </div>
      {pdf.error ? <ErrorBox error={pdf.error} /> : null}
      {l?.sent_at ? (
        <p className="alert alert-ok" data-testid="letter-sent">
          {tn('letter.sent', { at: formatDateTime(l.sent_at, lang), channel: tx('channel.' + (l.channel ?? ''), l.channel ?? '') }, { by: l.sent_by ?? '' })}
        </p>
      ) : (
        <>
          <p className="alert alert-warn">{t('letter.notSent')}</p>
          {canDecide(user) && (
            <div className="row">
              <label className="field inline">
                <span>{t('letter.channel')}</span>
                <select value={channel} onChange={(e) => setChannel(e.target.value)}>
                  {letterChannels.map((ch) => (
                    <option key={ch} value={ch}>
                      {tx('channel.' + ch, ch)}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => void action.run(() => api.recordRejectionLetter(c.claim_id, channel)).then((out) => out && onChanged(out))}
                disabled={action.busy}
                data-testid="record-letter"
              >
                {t('letter.record')}
              </button>
            </div>
          )}
          {action.error ? <ErrorBox error={action.error} /> : null}
        </>
      )}
    </div>
  );
}

interface PayeeDraft {
  name: string;
  role: string;
  bank_name: string;
  account_number: string;
  behalf_name: string;
  behalf_relation: string;
}

/** The payee as the services take it; an agent names whom they collect for (R10). */
export function payeeOf(p: PayeeDraft): Payee {
  const out: Payee = { name: p.name.trim(), role: p.role, bank_name: p.bank_name.trim(), account_number: p.account_number.replace(/[\s-]/g, '') };
  if (p.role === 'agent') out.on_behalf_of = { name: p.behalf_name.trim(), relation: p.behalf_relation.trim() };
  return out;
}

function PayeeFields({ p, set }: { p: PayeeDraft; set: (k: keyof PayeeDraft, v: string) => void }) {
  const { t, tx } = useI18n();
  return (
    <fieldset className="payee">
      <legend>{t('payee.title')}</legend>
      <div className="row">
        <Field label={t('payee.name')}>
          <input value={p.name} onChange={(e) => set('name', e.target.value)} data-testid="payee-name" />
        </Field>
        <Field label={t('payee.role')}>
          <select value={p.role} onChange={(e) => set('role', e.target.value)} data-testid="payee-role">
            {PAYEE_ROLES.map((r) => (
              <option key={r} value={r}>
                {tx('reporter.' + r, r)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="row">
        <Field label={t('payee.bank')}>
          <input value={p.bank_name} onChange={(e) => set('bank_name', e.target.value)} data-testid="payee-bank" />
        </Field>
        <Field label={t('payee.account')} hint={t('payee.accountHint')}>
          <input value={p.account_number} onChange={(e) => set('account_number', e.target.value)} inputMode="numeric" autoComplete="off" data-testid="payee-account" />
        </Field>
      </div>
      {p.role === 'agent' && (
        <div className="row">
          <Field label={t('payee.behalfName')}>
            <input value={p.behalf_name} onChange={(e) => set('behalf_name', e.target.value)} />
          </Field>
          <Field label={t('payee.behalfRelation')}>
            <input value={p.behalf_relation} onChange={(e) => set('behalf_relation', e.target.value)} />
          </Field>
        </div>
      )}
    </fieldset>
  );
}

function usePayeeDraft(c: Case): [PayeeDraft, (k: keyof PayeeDraft, v: string) => void] {
  const beneficiary = c.beneficiary && c.beneficiary.relation !== 'self' ? c.beneficiary : null;
  const [p, setP] = useState<PayeeDraft>({
    name: beneficiary?.name ?? c.insured_name,
    role: beneficiary ? 'beneficiary' : 'insured',
    bank_name: '',
    account_number: '',
    behalf_name: '',
    behalf_relation: '',
  });
  return [p, (k, v) => setP((d) => ({ ...d, [k]: v }))];
}

/** Whether a payee draft is complete enough to send. */
function payeeReady(p: PayeeDraft): boolean {
  const digits = p.account_number.replace(/[\s-]/g, '');
  return !!p.name.trim() && !!p.bank_name.trim() && /^\d{6,32}$/.test(digits) && (p.role !== 'agent' || (!!p.behalf_name.trim() && !!p.behalf_relation.trim()));
}

/** The claimant's agreement to the amount (达成协议), with the payee: payout pays from it (R6). */
export function AgreementForm({ c, onChanged }: { c: Case; onChanged: (c: Case) => void }) {
  const { t, tx } = useI18n();
  const { api, user } = useSession();
  const [agreedBy, setAgreedBy] = useState(c.beneficiary?.name ?? c.insured_name);
  const [channel, setChannel] = useState<(typeof AGREEMENT_CHANNELS)[number]>('signed_form');
  const [payee, setPayee] = usePayeeDraft(c);
  const action = useBusy();
  if (!canDecide(user)) return <p className="muted">{t('agreement.waiting')}</p>;
  const ready = !!agreedBy.trim() && payeeReady(payee);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    const out = await action.run(() => api.recordAgreement(c.claim_id, { agreed_by: agreedBy.trim(), channel, payee: payeeOf(payee) }));
    if (out) onChanged(out);
  };
  return (
    <form className="agreement" onSubmit={submit} data-testid="agreement-form" noValidate>
      <h3>{t('agreement.title', { amount: formatFen(c.decision?.amount_fen ?? 0) })}</h3>
      <p className="muted small">{t('agreement.hint')}</p>
      <div className="row">
        <Field label={t('agreement.by')}>
          <input value={agreedBy} onChange={(e) => setAgreedBy(e.target.value)} data-testid="agreed-by" />
        </Field>
        <Field label={t('agreement.channel')}>
          <select value={channel} onChange={(e) => setChannel(e.target.value as (typeof AGREEMENT_CHANNELS)[number])} data-testid="agreement-channel">
            {AGREEMENT_CHANNELS.map((ch) => (
              <option key={ch} value={ch}>
                {tx('agreementChannel.' + ch, ch)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <PayeeFields p={payee} set={setPayee} />
      {action.error ? <ErrorBox error={action.error} /> : null}
      <button type="submit" className="btn btn-primary" disabled={action.busy || !ready} data-testid="agreement-submit">
        {t('agreement.submit')}
      </button>
    </form>
  );
}

export function AgreementFacts({ c }: { c: Case }) {
  const { t, tx, lang } = useI18n();
  const a = c.agreement;
  if (!a) return null;
  return (
    <div data-testid="agreement-facts">
      <h3>{t('agreement.recorded')}</h3>
      <Facts
        rows={[
          [t('decision.amountFen'), formatFen(a.amount_fen)],
          [t('agreement.by'), `${a.agreed_by} · ${tx('agreementChannel.' + a.channel, a.channel)}`],
          [t('agreement.at'), `${formatDateTime(a.agreed_at, lang)} · ${a.recorded_by}`],
          [t('payee.title'), `${a.payee.name}（${tx('reporter.' + a.payee.role, a.payee.role)}）${a.payee.bank_name} ${a.payee.account_number}`],
          ...(a.payment_period_days ? ([[t('agreement.period'), t('agreement.days', { n: a.payment_period_days })]] as [string, string][]) : []),
        ]}
      />
    </div>
  );
}

/** Catastrophe advances (R8) offered on a tagged case: a handler records the payee (and may lower the amount). */
export function Advances({ c, onChanged }: { c: Case; onChanged: (c: Case) => void }) {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const [payee, setPayee] = usePayeeDraft(c);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const action = useBusy();
  const list = c.advances ?? [];
  const offered = list.find((a) => a.state === 'offered');
  if (list.length === 0) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fen = amount.trim() ? parseYuan(amount) : 0;
    if (fen === null || !payeeReady(payee)) return;
    const out = await action.run(() => api.approveAdvance(c.claim_id, { amount_fen: fen, reason: reason.trim(), payee: payeeOf(payee) }));
    if (out) onChanged(out);
  };
  return (
    <div className="advances" data-testid="advances">
      <ul className="plain">
        {list.map((a) => (
          <li key={a.id} data-testid="advance" data-state={a.state}>
            <strong>{formatFen(a.amount_fen)}</strong> · {tx('advance.ground.' + a.ground, a.ground)} · {tx('advance.state.' + a.state, a.state)}
            <div className="muted small">
              {t('advance.expected', { amount: formatFen(a.expected_benefit_fen) })} · {formatDateTime(a.offered_at, lang)}
              {a.approved_by && ` · ${a.approved_by}`}
            </div>
          </li>
        ))}
      </ul>
      {offered && canDecide(user) && (
        <form onSubmit={submit} data-testid="advance-form" noValidate>
          <div className="row">
            <Field label={t('advance.amount')} hint={t('advance.amountHint', { amount: formatFen(offered.amount_fen) })}>
              <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder="0.00" />
            </Field>
            <Field label={t('advance.reason')}>
              <input value={reason} onChange={(e) => setReason(e.target.value)} />
            </Field>
          </div>
          <PayeeFields p={payee} set={setPayee} />
          {action.error ? <ErrorBox error={action.error} /> : null}
          <button type="submit" className="btn btn-primary" disabled={action.busy || !payeeReady(payee)}>
            {t('advance.approve')}
          </button>
        </form>
      )}
    </div>
  );
}

/**
 * The corrected payee of a payment the bank refused or returned: it is
 * scheduled again. A payment whose stored payee cannot be opened (shown
 * with no payee) takes one only with how it was confirmed with the
 * claimant, and waits for a second senior.
 */
export function PayeeCorrection({ o, onCorrected }: { o: Obligation; onCorrected: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [open, setOpen] = useState(false);
  const [p, setP] = useState<PayeeDraft>({ name: '', role: o.payee?.role ?? 'insured', bank_name: o.payee?.bank_name ?? '', account_number: '', behalf_name: '', behalf_relation: '' });
  const [reason, setReason] = useState('');
  const unreadable = !o.payee;
  const ready = payeeReady(p) && (!unreadable || !!reason.trim());
  const action = useBusy();
  if (!open)
    return (
      <button type="button" className="btn btn-small" onClick={() => setOpen(true)} data-testid="correct-payee">
        {t('payee.correct')}
      </button>
    );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    if (await action.run(() => api.correctPayee(o.id, payeeOf(p), reason.trim()))) {
      setOpen(false);
      onCorrected();
    }
  };
  return (
    <form onSubmit={submit} noValidate className="reason-prompt">
      <p className="muted small">{t(unreadable ? 'payee.supplyHint' : 'payee.correctHint')}</p>
      <PayeeFields p={p} set={(k, v) => setP((d) => ({ ...d, [k]: v }))} />
      <Field label={t('payee.correctReason')} hint={unreadable ? t('payee.correctReasonRequired') : undefined}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="correct-payee-reason" />
      </Field>
      {action.error ? <ErrorBox error={action.error} /> : null}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={action.busy || !ready}>
          {t('payee.correctSubmit')}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
