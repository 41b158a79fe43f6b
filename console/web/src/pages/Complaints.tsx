// The complaint register (R12, Reg. art. 29): every complaint with its
// 10-working-day reply deadline; a complaint's page records the progress
// notice when the reply will be late, and the one written reply.

import { useState, type FormEvent } from 'react';
import { complaintCategories, complaintChannels, replyChannels, type Complaint } from '../api/reports';
import { canAnswerComplaints, canTakeComplaints } from '../auth/permissions';
import { ErrorBox, Facts, Loading, PageHead, Section, useAsync, useBusy } from '../components/common';
import { RiskBadge } from '../components/risk';
import { useI18n } from '../i18n/i18n';
import { formatDate, formatDateTime } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';

function DeadlineCell({ c }: { c: Complaint }) {
  const { t, tx, lang } = useI18n();
  if (!c.deadline) return <>—</>;
  return (
    <>
      {formatDate(c.deadline.due_date, lang)} · {c.deadline.state === 'open' ? <RiskBadge risk={c.deadline.risk} /> : tx('dstate.' + c.deadline.state, c.deadline.state)}
      {c.deadline.state === 'missed' && <span className="bad"> {t('complaints.late')}</span>}
    </>
  );
}

export function Complaints() {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const { location, navigate } = useRouter();
  const answered = location.query.get('answered') ?? '';
  const q = useAsync(() => api.complaints({ answered: answered === '' ? undefined : answered === 'true', limit: 500 }), [api, answered]);
  const busy = useBusy();
  const [draft, setDraft] = useState({ claim_id: '', channel: 'phone', complainant: '', contact: '', category: 'claim_decision', content: '' });

  const register = async (e: FormEvent) => {
    e.preventDefault();
    const c = await busy.run(() => api.registerComplaint({ ...draft, claim_id: draft.claim_id.trim() || undefined }));
    if (c) navigate(`/complaints/${encodeURIComponent(c.id)}`);
  };

  const list = q.data ?? [];
  return (
    <div className="page" data-testid="complaints-page">
      <PageHead title={t('complaints.title')} subtitle={t('complaints.subtitle')} onRefresh={q.reload} />
      <div className="filters">
        {(['', 'false', 'true'] as const).map((v) => (
          <button key={v} type="button" className={answered === v ? 'btn btn-primary' : 'btn'} onClick={() => navigate(`/complaints${v ? '?answered=' + v : ''}`, { replace: true })}>
            {t(v === '' ? 'complaints.all' : v === 'true' ? 'complaints.answered' : 'complaints.unanswered')}
          </button>
        ))}
      </div>
      {q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : null}
      {q.loading && !q.data ? (
        <Loading />
      ) : list.length === 0 ? (
        <p className="empty">{t('complaints.empty')}</p>
      ) : (
        <table className="table" data-testid="complaints-table">
          <thead>
            <tr>
              <th>{t('complaints.received')}</th>
              <th>{t('complaints.complainant')}</th>
              <th>{t('complaints.category')}</th>
              <th>{t('complaints.claim')}</th>
              <th>{t('complaints.due')}</th>
              <th>{t('complaints.reply')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id} data-testid="complaint-row" data-claim={c.claim_id ?? ''}>
                <td>
                  <Link to={`/complaints/${encodeURIComponent(c.id)}`}>{formatDateTime(c.received_at, lang)}</Link>
                </td>
                <td>{c.complainant}</td>
                <td>{tx('complaint.category.' + c.category, c.category)}</td>
                <td>{c.claim_id ? <Link to={`/claims/${encodeURIComponent(c.claim_id)}`}><code>{c.claim_id.slice(0, 8)}</code></Link> : '—'}</td>
                <td>
                  <DeadlineCell c={c} />
                </td>
                <td>{c.reply ? formatDateTime(c.reply.replied_at, lang) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canTakeComplaints(user) && (
        <Section title={t('complaints.register')} testId="complaint-form">
          <form className="form" onSubmit={(e) => void register(e)}>
            <label className="field">
              <span>{t('complaints.complainant')}</span>
              <input required value={draft.complainant} onChange={(e) => setDraft({ ...draft, complainant: e.target.value })} data-testid="complaint-complainant" />
            </label>
            <label className="field">
              <span>{t('complaints.contact')}</span>
              <input value={draft.contact} onChange={(e) => setDraft({ ...draft, contact: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('complaints.claim')}</span>
              <input value={draft.claim_id} onChange={(e) => setDraft({ ...draft, claim_id: e.target.value })} data-testid="complaint-claim" />
            </label>
            <label className="field">
              <span>{t('complaints.channel')}</span>
              <select value={draft.channel} onChange={(e) => setDraft({ ...draft, channel: e.target.value })}>
                {complaintChannels.map((c) => (
                  <option key={c} value={c}>
                    {tx('complaint.channel.' + c, c)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{t('complaints.category')}</span>
              <select value={draft.category} onChange={(e) => setDraft({ ...draft, category: e.target.value })}>
                {complaintCategories.map((c) => (
                  <option key={c} value={c}>
                    {tx('complaint.category.' + c, c)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{t('complaints.content')}</span>
              <textarea required value={draft.content} onChange={(e) => setDraft({ ...draft, content: e.target.value })} data-testid="complaint-content" />
            </label>
            {busy.error ? <ErrorBox error={busy.error} /> : null}
            <button type="submit" className="btn btn-primary" disabled={busy.busy} data-testid="complaint-submit">
              {t('complaints.register')}
            </button>
          </form>
        </Section>
      )}
    </div>
  );
}

/** One written text (a progress notice or the reply) and the channel it goes by. */
function WrittenForm({ channels, label, onSend }: { channels: readonly string[]; label: string; onSend: (text: string, channel: string) => Promise<unknown> }) {
  const { t, tx } = useI18n();
  const busy = useBusy();
  const [text, setText] = useState('');
  const [channel, setChannel] = useState(channels[0] ?? '');
  const send = async (e: FormEvent) => {
    e.preventDefault();
    if ((await busy.run(() => onSend(text, channel))) !== undefined) setText('');
  };
  return (
    <form className="form" onSubmit={(e) => void send(e)}>
      <label className="field">
        <span>{t('complaints.text')}</span>
        <textarea required value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('complaints.channel')}</span>
        <select value={channel} onChange={(e) => setChannel(e.target.value)}>
          {channels.map((c) => (
            <option key={c} value={c}>
              {tx('complaint.channel.' + c, c)}
            </option>
          ))}
        </select>
      </label>
      {busy.error ? <ErrorBox error={busy.error} /> : null}
      <button type="submit" className="btn btn-primary" disabled={busy.busy}>
        {label}
      </button>
    </form>
  );
}

export function ComplaintPage({ id }: { id: string }) {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const q = useAsync(() => api.complaint(id), [api, id]);
  const c = q.data;
  return (
    <div className="page" data-testid="complaint-page">
      <PageHead title={t('complaints.one')} subtitle={t('complaints.subtitle')} onRefresh={q.reload} />
      {q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : null}
      {!c ? (
        q.loading ? <Loading /> : null
      ) : (
        <>
          <Facts
            rows={[
              [t('complaints.complainant'), `${c.complainant}${c.contact ? ' · ' + c.contact : ''}`],
              [t('complaints.channel'), tx('complaint.channel.' + c.channel, c.channel)],
              [t('complaints.category'), tx('complaint.category.' + c.category, c.category)],
              [t('complaints.claim'), c.claim_id ? <Link to={`/claims/${encodeURIComponent(c.claim_id)}`}>{c.claim_id}</Link> : '—'],
              [t('complaints.received'), `${formatDateTime(c.received_at, lang)} · ${c.accepted_by}`],
              [t('complaints.due'), <span key="due" data-testid="complaint-due"><DeadlineCell c={c} /></span>],
              [t('complaints.content'), c.content],
            ]}
          />
          <Section title={t('complaints.notices')} testId="complaint-notices">
            {c.progress_notices.length === 0 ? (
              <p className="empty">{t('complaints.noNotices')}</p>
            ) : (
              <ul className="plain">
                {c.progress_notices.map((n) => (
                  <li key={n.sent_at}>
                    {formatDateTime(n.sent_at, lang)} · {n.sent_by} · {tx('complaint.channel.' + n.channel, n.channel)} · {n.text}
                    {!n.before_due && <span className="bad"> {t('complaints.noticeLate')}</span>}
                  </li>
                ))}
              </ul>
            )}
            {!c.reply && canTakeComplaints(user) && (
              <WrittenForm channels={[...complaintChannels, ...replyChannels]} label={t('complaints.sendNotice')} onSend={(text, ch) => api.progressNotice(id, text, ch).then(q.reload)} />
            )}
          </Section>
          <Section title={t('complaints.reply')} testId="complaint-reply">
            {c.reply ? (
              <p>
                {formatDateTime(c.reply.replied_at, lang)} · {c.reply.replied_by} · {tx('complaint.channel.' + c.reply.channel, c.reply.channel)}
                <br />
                {c.reply.text}
              </p>
            ) : canAnswerComplaints(user) ? (
              <WrittenForm channels={replyChannels} label={t('complaints.answer')} onSend={(text, ch) => api.answerComplaint(id, text, ch).then(q.reload)} />
            ) : (
              <p className="empty">{t('complaints.noReply')}</p>
            )}
          </Section>
        </>
      )}
    </div>
  );
}
