// Small pieces every page uses: loading and error states, a data hook.

import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs load when deps change (and on reload), keeping the last answer. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (v) => {
        if (!live) return;
        setData(v);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** The message for an error, in the user's language where the console knows better than the service. */
export function useErrorMessage(): (e: unknown) => string {
  const { t } = useI18n();
  return (e: unknown) => {
    if (e instanceof ApiError) {
      if (e.status === 0) return t('error.network');
      if (e.status === 401) return t('error.unauthenticated');
      if (e.status === 403) return t('error.forbidden');
      if (e.status === 502 || e.status === 503 || e.status === 504) return t('error.unavailable');
      return e.message;
    }
    return e instanceof Error ? e.message : String(e);
  };
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const message = useErrorMessage();
  const id = error instanceof ApiError ? error.requestId : undefined;
  return (
    <div className="alert alert-error" role="alert" data-testid="error">
      <span>{message(error)}</span>
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
