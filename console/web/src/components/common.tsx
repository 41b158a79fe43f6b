// Small pieces every page uses: loading and error states, a data hook.

import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { DateInput } from './DateInput';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  /**
   * Replaces the answer with one the page already has (a service's answer to
   * an action). A load still running is dropped: it was asked before the
   * action and may answer after it, with what stood before.
   */
  set: (v: T) => void;
}

/** Runs load when deps change (and on reload), keeping the last answer. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // sets counts the answers set: a load answers only if none was set since it began.
  const sets = useRef(0);
  useEffect(() => {
    let live = true;
    const setsBefore = sets.current;
    setLoading(true);
    loadRef.current().then(
      (v) => {
        if (!live || sets.current !== setsBefore) return;
        setData(v);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live || sets.current !== setsBefore) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const set = useCallback((v: T) => {
    sets.current++;
    setData(v);
    setError(null);
    setLoading(false);
  }, []);
  return { data, error, loading, reload, set };
}

/** Calls reload every ms while active (and the page is shown). */
export function usePoll(active: boolean, reload: () => void, ms: number): void {
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') reload();
    }, ms);
    return () => window.clearInterval(timer);
  }, [active, reload, ms]);
}

export interface Busy {
  busy: boolean;
  error: unknown;
  /** Runs f, keeping busy while it runs and its failure in error; answers undefined on failure. */
  run: <T>(f: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

/** The state of a button's action: busy while it runs, its error after. */
export function useBusy(): Busy {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}

/** Reports whether text is written in Chinese (a service that already answers in Chinese is shown as it says). */
const chinese = /[\u4e00-\u9fff]/;

/**
 * The message for an error, in the user's language: by its status or its
 * problem code (with the field it names) from the catalogue, or the
 * service's own words when they are Chinese or the user reads English.
 */
export function useErrorMessage(): (e: unknown) => string {
  const { t, tx, lang } = useI18n();
  return (e: unknown) => {
    if (e instanceof ApiError) {
      if (e.status === 0) return t('error.network');
      if (e.status === 401) return t('error.unauthenticated');
      if (e.status === 403) return t('error.forbidden');
      if (e.status === 502 || e.status === 503 || e.status === 504) return t('error.unavailable');
      if (lang === 'en' || chinese.test(e.message)) return e.message;
      const coded = tx('error.code.' + e.code, '');
      if (!coded) return t('error.other', { status: e.status });
      return e.field ? `${coded}${t('error.field', { field: tx('field.' + e.field.replace(/\[\d+\].*$/, ''), e.field) })}` : coded;
    }
    if (lang !== 'en' && e instanceof Error && !chinese.test(e.message)) return t('error.other', { status: '—' });
    return e instanceof Error ? e.message : String(e);
  };
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const message = useErrorMessage();
  const id = error instanceof ApiError ? error.requestId : undefined;
  const { lang } = useI18n();
  const detail = error instanceof Error && lang !== 'en' && message(error) !== error.message ? error.message : '';
  return (
    <div className="alert alert-error" role="alert" data-testid="error">
      <span>{message(error)}</span>
      {detail && (
        <details className="small">
          <summary>{t('error.detail')}</summary>
          <span translate="no">{detail}</span>
        </details>
      )}
      {id && (
        <span className="muted small">
          {' '}
          {t('common.requestId')}: <code>{id}</code>
        </span>
      )}
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" aria-busy="true">
      {t('common.loading')}
    </p>
  );
}

export function Section({ title, children, testId, actions }: { title: string; children: ReactNode; testId?: string; actions?: ReactNode }) {
  return (
    <section className="card" data-testid={testId}>
      <header className="card-head">
        <h2>{title}</h2>
        {actions && <div className="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** A definition list of label and value pairs. */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The title of a page, its one-line purpose, and its actions on the right (a refresh button first, given onRefresh). */
export function PageHead({ title, subtitle, onRefresh, children }: { title: string; subtitle?: string; onRefresh?: () => void; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {(onRefresh || children) && (
        <div className="actions">
          {onRefresh && (
            <button type="button" className="btn" onClick={onRefresh} data-testid="refresh">
              {t('common.refresh')}
            </button>
          )}
          {children}
        </div>
      )}
    </div>
  );
}

/** A labelled form field with its error under it. */
export function Field({ label, error, children, hint, className }: { label: string; error?: string | undefined; children: ReactNode; hint?: string; className?: string }) {
  return (
    <label className={`field ${error ? 'field-error' : ''} ${className ?? ''}`}>
      <span>{label}</span>
      {children}
      {hint && <small className="muted">{hint}</small>}
      {error && <small className="error-text">{error}</small>}
    </label>
  );
}

/**
 * A button that asks for a reason before it acts (marking an item
 * satisfied, revealing personal data, switching a catastrophe…): the
 * reason is recorded with the action by the service.
 */
export function ReasonButton({
  label,
  confirmLabel,
  prompt,
  onConfirm,
  testId,
  className,
  required = true,
  disabled,
}: {
  label: string;
  confirmLabel?: string;
  prompt: string;
  onConfirm: (reason: string) => Promise<unknown>;
  testId: string;
  className?: string;
  required?: boolean;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const action = useBusy();
  if (!open) {
    return (
      <button type="button" className={`btn ${className ?? ''}`} onClick={() => setOpen(true)} data-testid={testId} disabled={disabled}>
        {label}
      </button>
    );
  }
  const confirm = async () => {
    if (required && !reason.trim()) return;
    const ok = await action.run(async () => {
      await onConfirm(reason.trim());
      return true;
    });
    if (ok) {
      setOpen(false);
      setReason('');
    }
  };
  return (
    <div className="reason-prompt" data-testid={`${testId}-prompt`}>
      <label className="field">
        <span>{prompt}</span>
        <input
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={500}
          autoFocus
          data-testid={`${testId}-reason`}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void confirm();
            }
          }}
        />
      </label>
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={() => void confirm()} disabled={action.busy || (required && !reason.trim())} data-testid={`${testId}-confirm`}>
          {confirmLabel ?? label}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)} disabled={action.busy}>
          {t('common.cancel')}
        </button>
      </div>
      {action.error ? <ErrorBox error={action.error} /> : null}
    </div>
  );
}

/** value, once it has stopped changing for ms (for lookups while someone types). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return v;
}

/** A period's two dates, labelled, for a filter form (from and to, both included). */
export function PeriodFields({
  value,
  onChange,
  labels,
  testId,
}: {
  value: { from: string; to: string };
  onChange: (v: { from: string; to: string }) => void;
  labels: [string, string];
  testId: string;
}) {
  return (
    <>
      <label className="field inline">
        <span>{labels[0]}</span>
        <DateInput value={value.from} onChange={(v) => onChange({ ...value, from: v })} testId={`${testId}-from`} />
      </label>
      <label className="field inline">
        <span>{labels[1]}</span>
        <DateInput value={value.to} onChange={(v) => onChange({ ...value, to: v })} testId={`${testId}-to`} />
      </label>
    </>
  );
}
