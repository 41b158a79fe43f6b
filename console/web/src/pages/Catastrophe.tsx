// The catastrophe console (R8) of the catastrophe team: declare a
// catastrophe (regions, date window, advance policy, internal target),
// switch its fast-track mode on and off with a reason (audited and
// announced to every service), read the switches' audit, and watch live
// counts of tagged claims and advance payments. Until adjudication serves
// the catastrophe routes, the page says so.

import { useState, type FormEvent } from 'react';
import { isStatus } from '../api/client';
import { INCIDENT_TYPES, type Catastrophe as Cat, type Obligation } from '../api/types';
import { canReadPayouts, canRunCatastrophes } from '../auth/permissions';
import { ErrorBox, Field, Loading, PageHead, Section, useAsync, useBusy, usePoll } from '../components/common';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n/i18n';
import { bpsToPercent, catastropheCodePattern, liveCounts, parseRegions, percentToBps } from '../lib/catastrophe';
import { formatFen, parseYuan } from '../lib/money';
import { formatDateTime, shanghaiDate } from '../lib/time';
import { useSession } from '../session';
import { DateInput } from '../components/DateInput';
import { regionName } from '../lib/regions';

const perils = ['typhoon', 'flood', 'earthquake', 'major_traffic_accident', 'fire', 'landslide', 'other'] as const;

function DeclareForm({ onDeclared }: { onDeclared: (c: Cat) => void }) {
  const { t, tx } = useI18n();
  const { api } = useSession();
  const today = shanghaiDate(new Date());
  const [f, setF] = useState({
    code: '',
    name: '',
    peril: 'typhoon' as string,
    regions: '',
    start: today,
    end: today,
    share: '50',
    cap: '50000',
    types: ['death', 'disability', 'medical', 'accidental_injury'] as string[],
    target: '3',
  });
  const [invalid, setInvalid] = useState<string | null>(null);
  const action = useBusy();
  const set = (k: keyof typeof f, v: string | string[]) => setF((d) => ({ ...d, [k]: v }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const regions = parseRegions(f.regions);
    const bps = percentToBps(f.share);
    const cap = parseYuan(f.cap);
    const target = Number(f.target);
    if (!catastropheCodePattern.test(f.code.trim())) return setInvalid(t('cat.invalid.code'));
    if (!f.name.trim()) return setInvalid(t('cat.invalid.name'));
    if (!regions) return setInvalid(t('cat.invalid.regions'));
    if (!f.start || !f.end || f.start > f.end) return setInvalid(t('cat.invalid.window'));
    if (bps === null) return setInvalid(t('cat.invalid.share'));
    if (cap === null) return setInvalid(t('decision.amount.invalid'));
    if (!Number.isInteger(target) || target < 1 || target > 5) return setInvalid(t('cat.invalid.target'));
    setInvalid(null);
    const out = await action.run(() =>
      api.declareCatastrophe({
        code: f.code.trim(),
        name: f.name.trim(),
        peril: f.peril,
        regions,
        window_start: f.start,
        window_end: f.end,
        advance_policy: { share_bps: bps, cap_fen: cap, incident_types: f.types },
        internal_target_working_days: target,
      }),
    );
    if (out) onDeclared(out);
  };
  return (
    <form onSubmit={submit} noValidate data-testid="cat-declare-form">
      <div className="row">
        <Field label={t('cat.code')} hint="TY-2026-09">
          <input value={f.code} onChange={(e) => set('code', e.target.value.toUpperCase())} data-testid="cat-code" />
        </Field>
        <Field label={t('cat.name')}>
          <input value={f.name} onChange={(e) => set('name', e.target.value)} data-testid="cat-name" />
        </Field>
        <Field label={t('cat.peril')}>
          <select value={f.peril} onChange={(e) => set('peril', e.target.value)} data-testid="cat-peril">
            {perils.map((p) => (
              <option key={p} value={p}>
                {tx('peril.' + p, p)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="row">
        <Field label={t('cat.regions')} hint={t('cat.regionsHint')}>
          <input value={f.regions} onChange={(e) => set('regions', e.target.value)} data-testid="cat-regions" />
        </Field>
        <Field label={t('cat.windowStart')}>
          <DateInput value={f.start} onChange={(v) => set('start', v)} testId="cat-start" />
        </Field>
        <Field label={t('cat.windowEnd')}>
          <DateInput value={f.end} onChange={(v) => set('end', v)} testId="cat-end" />
        </Field>
      </div>
      <div className="row">
        <Field label={t('cat.share')} hint={t('cat.shareHint')}>
          <input value={f.share} onChange={(e) => set('share', e.target.value)} inputMode="decimal" data-testid="cat-share" />
        </Field>
        <Field label={t('cat.cap')}>
          <input value={f.cap} onChange={(e) => set('cap', e.target.value)} inputMode="decimal" data-testid="cat-cap" />
        </Field>
        <Field label={t('cat.target')} hint={t('cat.targetHint')}>
          <input value={f.target} onChange={(e) => set('target', e.target.value)} inputMode="numeric" data-testid="cat-target" />
        </Field>
      </div>
      <fieldset>
        <legend>{t('cat.types')}</legend>
        {INCIDENT_TYPES.map((it) => (
          <label key={it} className="check-inline">
            <input
              type="checkbox"
              checked={f.types.includes(it)}
              onChange={(e) => set('types', e.target.checked ? [...f.types, it] : f.types.filter((x) => x !== it))}
            />{' '}
            {tx('incident.' + it, it)}
          </label>
        ))}
      </fieldset>
      {invalid && <p className="alert alert-error">{invalid}</p>}
      {action.error ? <ErrorBox error={action.error} /> : null}
      <button type="submit" className="btn btn-primary" disabled={action.busy} data-testid="cat-declare-submit">
        {t('cat.declare')}
      </button>
    </form>
  );
}

function Switches({ code, version }: { code: string; version: number }) {
  const { tx, lang } = useI18n();
  const { api } = useSession();
  const q = useAsync(() => api.catastropheSwitches(code), [api, code, version]);
  if (q.loading && !q.data) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} onRetry={q.reload} />;
  return (
    <ol className="timeline" data-testid="cat-switches" data-code={code}>
      {(q.data ?? []).map((s) => (
        <li key={s.version} data-testid="cat-switch-row" data-action={s.action} data-active={String(s.active)}>
          <time dateTime={s.at}>{formatDateTime(s.at, lang)}</time> <strong>{tx('cat.action.' + s.action, s.action)}</strong>
          <span className="muted small"> · {s.actor}</span>
          {s.reason && <div className="small" data-testid="cat-switch-reason">{s.reason}</div>}
        </li>
      ))}
    </ol>
  );
}

function Counts({ cat, cases, obligations }: { cat: Cat; cases: Parameters<typeof liveCounts>[1]; obligations: Obligation[] | null }) {
  const { t, tx } = useI18n();
  const { api } = useSession();
  const n = liveCounts(cat.code, cases, obligations);
  // The tagged cases are counted by adjudication over every case, not over
  // the page of cases read for the other figures.
  const server = useAsync(() => api.catastropheCounts(cat.code), [api, cat.code, cat.version, cases]);
  const tagged = server.data?.tagged;
  const open = server.data?.tagged_undecided;
  return (
    <dl className="facts counts" data-testid="cat-counts" data-code={cat.code} data-tagged={tagged ?? ''}>
      <div className="fact">
        <dt>{t('cat.count.tagged')}</dt>
        <dd>
          {tagged === undefined || open === undefined ? (
            server.error ? <ErrorBox error={server.error} onRetry={server.reload} /> : '…'
          ) : (
            <>
              <strong data-testid="cat-tagged">{tagged}</strong> · {t('cat.count.openDecided', { open, decided: tagged - open })}
            </>
          )}
        </dd>
      </div>
      <div className="fact">
        <dt>{t('cat.count.target')}</dt>
        <dd>
          {Object.keys(n.targets).length === 0
            ? '—'
            : Object.entries(n.targets)
                .map(([k, v]) => `${tx('target.' + k, k)} ${v}`)
                .join(' · ')}
        </dd>
      </div>
      <div className="fact">
        <dt>{t('cat.count.advances')}</dt>
        <dd>{t('cat.count.advancesValue', { offered: n.advancesOffered, approved: n.advancesApproved, amount: formatFen(n.advancedFen) })}</dd>
      </div>
      <div className="fact">
        <dt>{t('cat.count.payouts')}</dt>
        <dd data-testid="cat-advance-payouts">
          {n.payouts
            ? t('cat.count.payoutsValue', { scheduled: n.payouts.scheduled, completed: n.payouts.completed, failed: n.payouts.failed, amount: formatFen(n.payouts.paidFen) })
            : t('cat.count.payoutsHidden')}
        </dd>
      </div>
    </dl>
  );
}

/**
 * SwitchButton switches the fast-track mode after a second look (R8): the
 * dialog shows the regions, the period, the incident types and, counted by
 * adjudication when the dialog opens, how many open cases switching it on
 * tags now (or how many tagged open cases keep their tag when it goes off).
 */
function SwitchButton({ cat, onSwitched }: { cat: Cat; onSwitched: (c: Cat) => void }) {
  const { t, tx, lang } = useI18n();
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  const counts = useAsync(() => (asking ? api.catastropheCounts(cat.code) : Promise.resolve(null)), [api, cat.code, asking]);
  const on = !cat.active;
  return (
    <>
      <button type="button" className={`btn ${on ? 'btn-primary' : 'btn-danger'}`} onClick={() => setAsking(true)} data-testid="cat-switch">
        {on ? t('cat.switchOn') : t('cat.switchOff')}
      </button>
      {asking && (
        <ConfirmDialog
          title={on ? t('cat.switchOn.confirmTitle', { code: cat.code }) : t('cat.switchOff.confirmTitle', { code: cat.code })}
          confirmLabel={on ? t('cat.switchOn') : t('cat.switchOff')}
          reasonLabel={on ? t('cat.switchOn.reason') : t('cat.switchOff.reason')}
          danger={!on}
          testId="cat-switch"
          ready={!!counts.data}
          onClose={() => setAsking(false)}
          onConfirm={async (reason) => onSwitched(await api.switchCatastrophe(cat.code, on, reason))}
        >
          <dl className="facts">
            <div className="fact">
              <dt>{t('cat.regions')}</dt>
              <dd data-testid="cat-switch-regions">{cat.regions.map((r) => regionName(r, lang, true)).join(lang === 'en' ? '; ' : '、')}</dd>
            </div>
            <div className="fact">
              <dt>{t('cat.window')}</dt>
              <dd data-testid="cat-switch-window">
                {cat.window_start} – {cat.window_end}
              </dd>
            </div>
            <div className="fact">
              <dt>{t('cat.switch.types')}</dt>
              <dd data-testid="cat-switch-types">{cat.advance_policy.incident_types.map((it) => tx('incident.' + it, it)).join('、')}</dd>
            </div>
          </dl>
          {counts.error ? (
            <ErrorBox error={counts.error} onRetry={counts.reload} />
          ) : !counts.data ? (
            <Loading />
          ) : on ? (
            <p data-testid="cat-switch-effect" data-n={counts.data.untagged_covered}>
              {t('cat.switchOn.effect', { n: counts.data.untagged_covered })}
            </p>
          ) : (
            <p data-testid="cat-switch-effect" data-n={counts.data.tagged_undecided}>
              {t('cat.switchOff.effect', { n: counts.data.tagged_undecided })}
            </p>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}

export function Catastrophe() {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const [open, setOpen] = useState<string | null>(null);
  const [declaring, setDeclaring] = useState(false);
  const list = useAsync(() => api.catastrophes(), [api]);
  const cats = list.data ?? [];
  const live = useAsync(async () => {
    if (cats.length === 0) return { cases: [], obligations: null as Obligation[] | null };
    const [cases, obligations] = await Promise.all([
      api.cases({ limit: 500 }).then((r) => r.cases),
      canReadPayouts(user) ? api.obligations({ limit: 500 }).then((r) => r.obligations, () => null) : Promise.resolve(null),
    ]);
    return { cases, obligations };
  }, [api, cats.length, user]);
  usePoll(cats.length > 0, live.reload, 10_000);
  usePoll(true, list.reload, 30_000);
  const runs = canRunCatastrophes(user);

  if (isStatus(list.error, 404)) {
    return (
      <div className="page" data-testid="catastrophe-page">
        <h1>{t('cat.title')}</h1>
        <Section title={t('common.notYet')}>
          <p className="muted" data-testid="cat-pending">
            {t('cat.pending')}
          </p>
        </Section>
      </div>
    );
  }

  const replace = (c: Cat) => list.set(cats.some((x) => x.code === c.code) ? cats.map((x) => (x.code === c.code ? c : x)) : [c, ...cats]);

  return (
    <div className="page" data-testid="catastrophe-page">
      <PageHead title={t('cat.title')} subtitle={t('cat.subtitle')} onRefresh={() => (list.reload(), live.reload())}>
        {runs && !declaring && (
          <button type="button" className="btn btn-primary" onClick={() => setDeclaring(true)} data-testid="cat-new">
            {t('cat.new')}
          </button>
        )}
      </PageHead>
      {declaring && (
        <Section title={t('cat.new')} actions={<button type="button" className="btn btn-small" onClick={() => setDeclaring(false)}>{t('common.cancel')}</button>}>
          <DeclareForm
            onDeclared={(c) => {
              replace(c);
              setDeclaring(false);
              setOpen(c.code);
            }}
          />
        </Section>
      )}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? (
        <Loading />
      ) : cats.length === 0 ? (
        <p className="empty" data-testid="cat-empty">
          {t('cat.empty')}
        </p>
      ) : (
        cats.map((c) => (
          <section key={c.code} className={`card cat ${c.active ? 'cat-active' : ''}`} data-testid="cat-row" data-code={c.code} data-active={String(c.active)}>
            <header className="card-head">
              <h2>
                <span className={`badge ${c.active ? 'badge-cat' : ''}`} data-testid="cat-state">
                  {c.active ? t('cat.active') : t('cat.inactive')}
                </span>{' '}
                {c.code} · {c.name}
              </h2>
              <div className="actions">
                {runs && (
                  <SwitchButton
                    cat={c}
                    onSwitched={(next) => {
                      replace(next);
                      setOpen(c.code);
                      live.reload();
                    }}
                  />
                )}
                <button type="button" className="btn" onClick={() => setOpen(open === c.code ? null : c.code)} data-testid="cat-audit">
                  {t('cat.audit')}
                </button>
              </div>
            </header>
            <dl className="facts">
              <div className="fact">
                <dt>{t('cat.peril')}</dt>
                <dd>{tx('peril.' + c.peril, c.peril)}</dd>
              </div>
              <div className="fact">
                <dt>{t('cat.regions')}</dt>
                <dd>
                  <span>{c.regions.map((r) => regionName(r, lang, true)).join(lang === 'en' ? '; ' : '、')}</span>
                </dd>
              </div>
              <div className="fact">
                <dt>{t('cat.window')}</dt>
                <dd>
                  {c.window_start} – {c.window_end}
                </dd>
              </div>
              <div className="fact">
                <dt>{t('cat.advancePolicy')}</dt>
                <dd>
                  {t('cat.advancePolicyValue', { share: bpsToPercent(c.advance_policy.share_bps), cap: formatFen(c.advance_policy.cap_fen) })}
                  <div className="small muted">{c.advance_policy.incident_types.map((it) => tx('incident.' + it, it)).join('、')}</div>
                </dd>
              </div>
              <div className="fact">
                <dt>{t('cat.target')}</dt>
                <dd>{t('cat.targetValue', { n: c.internal_target_working_days })}</dd>
              </div>
              <div className="fact">
                <dt>{t('cat.declared')}</dt>
                <dd>
                  {c.declared_by} · {formatDateTime(c.declared_at, lang)}
                </dd>
              </div>
              {c.switched_at && (
                <div className="fact">
                  <dt>{t('cat.lastSwitch')}</dt>
                  <dd>
                    {c.switched_by} · {formatDateTime(c.switched_at, lang)}
                    {c.switch_reason && <div className="small">{c.switch_reason}</div>}
                  </dd>
                </div>
              )}
            </dl>
            {live.data ? <Counts cat={c} cases={live.data.cases} obligations={live.data.obligations} /> : live.error ? <ErrorBox error={live.error} /> : <Loading />}
            {open === c.code && <Switches code={c.code} version={c.version} />}
          </section>
        ))
      )}
    </div>
  );
}
