// The money controls on a case (issue 14): who owns the case and may act on
// it, the most the contract allows (the decision form offers it), the
// acknowledgement of checks that could not run, and who may override a
// failing check. The service enforces every one of them; the page says them.

import type { Case, CheckResult, Signal } from '../api/types';
import { isSenior } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { formatFen } from '../lib/money';
import { useSession } from '../session';

/** Who has the case and who may act on it: once assigned, its assignee or a senior handler. */
export function CaseOwner({ c }: { c: Case }) {
  const { t } = useI18n();
  const { user } = useSession();
  const mine = !!c.assignee && c.assignee === user?.subject;
  const may = !c.assignee || mine || isSenior(user);
  return (
    <p className={`small ${may ? 'muted' : 'alert alert-warn'}`} data-testid="case-owner" data-assignee={c.assignee ?? ''} data-may-act={may}>
      {c.assignee ? t('controls.owner', { who: c.assignee }) : t('controls.unassigned')} {may ? '' : t('controls.notYours')}
    </p>
  );
}

/** The most the contract allows, per benefit and in all, with a button that puts it in the form. */
export function ContractLimit({ c, onUse }: { c: Case; onUse: (benefit: string, fen: number) => void }) {
  const { t } = useI18n();
  const m = c.max_payable;
  if (!m) return <p className="muted small" data-testid="max-payable-unknown">{t('controls.maxUnknown')}</p>;
  return (
    <div className="small" data-testid="max-payable" data-total-fen={m.total_fen}>
      <strong>{t('controls.maxPayable', { amount: formatFen(m.total_fen) })}</strong>
      <ul className="plain">
        {m.lines.map((l) => (
          <li key={l.benefit} data-benefit={l.benefit} data-max-fen={l.max_payable_fen}>
            {l.note}{' '}
            <button type="button" className="btn btn-small" onClick={() => onUse(l.benefit, l.max_payable_fen)} data-testid="use-max-payable">
              {t('controls.useMax')}
            </button>
          </li>
        ))}
      </ul>
      <p className="muted">{t('controls.exGratiaHint')}</p>
    </div>
  );
}

/** The decider's word on the checks that could not run: an approval needs it (recorded with the decider). */
export function UnknownAcknowledgement({ value, set }: { value: string; set: (v: string) => void }) {
  const { t } = useI18n();
  return (
    <label className="field">
      <span>{t('controls.acknowledge')}</span>
      <textarea rows={2} maxLength={1000} value={value} onChange={(e) => set(e.target.value)} data-testid="acknowledge-unknown" />
      <small className="muted">{t('controls.acknowledgeHint')}</small>
    </label>
  );
}

/** Whether the signed-in user may override a failing check: a senior handler who did not decide the case. */
export function mayOverride(c: Case, subject: string | undefined, senior: boolean): boolean {
  return senior && (!c.decision || c.decision.decided_by !== subject);
}

/** Whether a check holds back an approval, and who may release it. */
export function CheckBlocking({ r }: { r: CheckResult }) {
  const { t } = useI18n();
  if (!r.blocking) return null;
  return (
    <div className="small alert alert-error" data-testid="check-blocking" data-check={r.check}>
      {r.result === 'unknown' ? t('controls.blockingUnknown') : t('controls.blockingFail')}
    </div>
  );
}

/** Asks for a payment beyond the contract (通融赔付): its own decision, approved by the top authority. */
export function ExGratiaToggle({ on, set }: { on: boolean; set: (v: boolean) => void }) {
  const { t } = useI18n();
  return (
    <label className="field small">
      <span>
        <input type="checkbox" checked={on} onChange={(e) => set(e.target.checked)} data-testid="ex-gratia" /> {t('controls.exGratia')}
      </span>
    </label>
  );
}

/** The label of an ex gratia decision, shown apart from the contract's payments. */
export function ExGratiaLabel({ on }: { on: boolean }) {
  const { t } = useI18n();
  return on ? <span className="badge check-warn" data-testid="decision-ex-gratia">{t('controls.exGratiaLabel')}</span> : null;
}

/** The fraud signals raised on a case, each explained; blocking ones say who may go on. */
/** The words of a signal's explanation in the user's language, from its kind and values (the English explanation for an older signal in English). */
export function useSignalText(): (s: Signal) => string {
  const { t, tx, lang } = useI18n();
  return (s: Signal) => {
    if (s.params && Object.keys(s.params).length > 0) return tx('signalwhy.' + s.kind, s.explanation, s.params);
    return lang === 'en' ? s.explanation : t('controls.signalSeeKind');
  };
}

export function Signals({ signals }: { signals: Signal[] | undefined }) {
  const { t, tx } = useI18n();
  const why = useSignalText();
  if (!signals || signals.length === 0) return null;
  return (
    <ul className="plain alert alert-warn small" data-testid="signals">
      {signals.map((s) => (
        <li key={s.kind} data-testid="signal" data-kind={s.kind} data-blocking={s.blocking}>
          <strong>{tx('signal.' + s.kind, s.kind)}</strong>: {why(s)}
          {s.blocking && <div>{t('controls.signalBlocks')}</div>}
        </li>
      ))}
    </ul>
  );
}

/** The count of a queued case's signals, as a badge. */
export function SignalBadge({ signals }: { signals: Signal[] | undefined }) {
  const { t, tx } = useI18n();
  const why = useSignalText();
  if (!signals || signals.length === 0) return null;
  return (
    <span className="badge check-fail" title={signals.map((s) => `${tx('signal.' + s.kind, s.kind)}: ${why(s)}`).join('\n')} data-testid="queue-signals">
      {t('controls.signals', { n: signals.length })}
    </span>
  );
}
