// The document viewer (issues 18, 20): a page of the upload at a size a
// handler can read, with zoom, quarter turns and page navigation; the
// parts the upload holds and where each starts; the fields of the part
// shown, each selectable to draw the box it was read from on the page; and
// the disagreements a handler must check (figures against capitals, the
// name against the insured's, sums that do not add up).

import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ClaimDocument, DocumentPart, Fields, PageImage, Report } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { bilingual } from '../lib/checklist';
import { formatFen } from '../lib/money';
import { partOfField } from '../lib/auto';
import { formatDateTime } from '../lib/time';
import { boxOnStage, disagreements, fitScale, imageStyle, normTurn, partOfPage, stageSize, type Turn } from '../lib/viewer';
import { useSession } from '../session';
import { ErrorBox, Loading } from './common';

/** The zoom steps, as a share of the frame's width. */
const zooms = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];

/** The fields a part lists, in order: [key in the API's fields and sources, message key]. */
const fieldRows: [keyof Fields & string, string][] = [
  ['total_amount_fen', 'field.total_amount'],
  ['invoice_number', 'field.invoice_number'],
  ['event_date', 'field.event_date'],
  ['names', 'field.names'],
  ['patient_name', 'viewer.field.patient_name'],
  ['id_number', 'field.id_number'],
];

/** value shows a field's value as the handler reads it. */
function value(f: Fields, key: keyof Fields): string | undefined {
  const v = f[key];
  if (v === undefined || v === null) return undefined;
  if (key === 'total_amount_fen' && typeof v === 'number') return formatFen(v);
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'string' ? x : '')).join('、') : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/**
 * The image of page n, fetched with the token (and the reason, for an ID
 * card or a bank card: R11). A JPEG or PNG whose file a reveal already
 * fetched (revealed) is that file: no second read is recorded.
 */
function usePageImage(report: Report, d: ClaimDocument, n: number, reason: string | null, sealed: boolean, revealed: Blob | null) {
  const { api } = useSession();
  const [state, setState] = useState<{ key: string; url?: string; error?: unknown }>({ key: '' });
  const key = `${d.id}/${n}/${reason ?? ''}/${revealed ? 'revealed' : ''}`;
  useEffect(() => {
    if (sealed && !reason) return;
    let live = true;
    let made: string | null = null;
    const single = revealed && (d.media === 'jpeg' || d.media === 'png');
    (single ? Promise.resolve(revealed) : api.documentPage(report.id, d.id, n, reason ?? undefined)).then(
      (b) => {
        if (!live) return;
        made = URL.createObjectURL(b);
        setState({ key, url: made });
      },
      (error: unknown) => live && setState({ key, error }),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [api, report.id, d.id, d.media, n, reason, sealed, revealed, key]);
  return state.key === key ? state : { key };
}

/** The width of an element, kept up to date as the window changes. */
function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(el.clientWidth);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

export interface DocumentViewerProps {
  report: Report;
  d: ClaimDocument;
  parts: DocumentPart[];
  /** The part shown, and the handler choosing another. */
  part: number;
  onPart: (i: number) => void;
  /** Whether the upload holds an ID card or a bank card, the reason a reveal gave and the file it fetched (R11). */
  sealed: boolean;
  reason: string | null;
  revealed: Blob | null;
  /** A field to show, asked from elsewhere on the page (the straight-through panel, issue 19); seq tells one ask from the next. */
  focus?: FieldFocus | null;
}

/** FieldFocus asks the viewer to go to the part a field was read from and select it (partOfField). */
export interface FieldFocus {
  field: string;
  confidence: number;
  seq: number;
}

export function DocumentViewer({ report, d, parts, part, onPart, sealed, reason, revealed, focus }: DocumentViewerProps) {
  const { t, tx, lang } = useI18n();
  const total = Math.max(d.pages, 1);
  const current = parts[part];
  const [page, setPage] = useState(current?.pages[0] ?? 1);
  const [zoom, setZoom] = useState(1);
  const [turn, setTurn] = useState<Turn>(0);
  const [field, setField] = useState<string | null>(null);
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null);
  const [frame, frameWidth] = useWidth<HTMLDivElement>();
  const img = usePageImage(report, d, page, reason, sealed, revealed);

  const go = (n: number) => {
    const next = Math.min(Math.max(n, 1), total);
    setPage(next);
    setNatural(null);
    const p = partOfPage(parts, next);
    if (p && p.index !== part) {
      setField(null);
      onPart(p.index);
    }
  };
  const choosePart = (i: number) => {
    setField(null);
    onPart(i);
    const first = parts[i]?.pages[0];
    if (first && first !== page) {
      setPage(first);
      setNatural(null);
    }
  };
  const select = (key: string) => {
    const src = current?.sources?.[key];
    setField(key === field ? null : key);
    if (src && src.page !== page) {
      setPage(src.page);
      setNatural(null);
    }
  };

  // A field asked from elsewhere: its part first, then the field on its
  // page, once per ask.
  const focused = useRef(0);
  useEffect(() => {
    if (!focus || focused.current === focus.seq) return;
    const want = partOfField(parts, focus.field, focus.confidence);
    if (want !== part && parts.some((p) => p.index === want)) return onPart(want);
    focused.current = focus.seq;
    setField(focus.field);
    const src = parts.find((p) => p.index === part)?.sources?.[focus.field];
    if (src && src.page !== page) {
      setPage(src.page);
      setNatural(null);
    }
    frame.current?.scrollIntoView?.({ block: 'center' });
  }, [focus, parts, part, page, onPart, frame]);

  // The page as read (the space of the boxes); the image's own size when
  // the reading did not measure it.
  const read: PageImage | undefined = d.page_images?.find((p) => p.number === page && p.width > 0 && p.height > 0);
  const pageImage: PageImage | undefined = read ?? (natural ? { number: page, width: natural.w, height: natural.h, rotation: 0 } : undefined);
  const scale = pageImage ? fitScale(pageImage.width, pageImage.height, turn, zoom, Math.max(frameWidth - 2, 200)) : 1;
  const stage = pageImage ? stageSize(pageImage.width, pageImage.height, turn, scale) : null;
  const image = pageImage ? imageStyle(pageImage, turn, scale) : null;
  const src = field ? current?.sources?.[field] : undefined;
  const box = src && pageImage && src.page === page ? boxOnStage(src.box, pageImage.width, pageImage.height, turn, scale) : null;
  const flags = current ? disagreements(current.fields, report.insured_name) : [];
  const starts = parts.length > 1 ? parts.find((p) => p.pages[0] === page) : undefined;
  const zoomAt = zooms.indexOf(zoom);
  const corrections = (d.corrections ?? []).filter((c) => (c.part ?? 0) === part);
  const itemTitle = (id: string) => {
    const it = report.checklist?.items.find((i) => i.id === id);
    return it ? bilingual(it.title, it.title_en, lang) : id;
  };

  return (
    <div className="viewer" data-testid="page-viewer" data-page={page} data-part={part} data-turn={turn} data-zoom={zoom}>
      {parts.length > 1 && (
        <div className="viewer-parts" data-testid="viewer-parts">
          <span className="muted small">{t('viewer.parts', { n: parts.length })}</span>
          {parts.map((p) => (
            <button
              key={p.index}
              type="button"
              className={`btn btn-small ${p.index === part ? 'btn-primary' : ''}`}
              onClick={() => choosePart(p.index)}
              data-testid="viewer-part"
              data-part={p.index}
              data-type={p.type}
              aria-pressed={p.index === part}
            >
              {t('viewer.part', {
                n: p.index + 1,
                type: tx('doctype.' + p.type, p.type),
                pages: t('viewer.pagesRange', { from: p.pages[0], to: p.pages[1] }),
              })}
              {p.satisfies?.length ? ` · ${p.satisfies.map((s) => itemTitle(s)).join('、')}` : ''}
            </button>
          ))}
        </div>
      )}
      <div className="viewer-toolbar" role="toolbar" aria-label={t('viewer.toolbar')}>
        <button type="button" className="btn btn-small" onClick={() => go(page - 1)} disabled={page <= 1} data-testid="viewer-prev">
          {t('viewer.prev')}
        </button>
        <span className="small" data-testid="viewer-page">
          {t('viewer.page', { n: page, total })}
        </span>
        <button type="button" className="btn btn-small" onClick={() => go(page + 1)} disabled={page >= total} data-testid="viewer-next">
          {t('viewer.next')}
        </button>
        <span className="viewer-sep" />
        <button type="button" className="btn btn-small" onClick={() => setZoom(zooms[Math.max(zoomAt - 1, 0)] ?? 1)} disabled={zoomAt <= 0} data-testid="viewer-zoom-out">
          {t('viewer.zoomOut')}
        </button>
        <span className="small">{Math.round(zoom * 100)}%</span>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setZoom(zooms[Math.min(zoomAt + 1, zooms.length - 1)] ?? 1)}
          disabled={zoomAt >= zooms.length - 1}
          data-testid="viewer-zoom-in"
        >
          {t('viewer.zoomIn')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => setZoom(1)} data-testid="viewer-fit">
          {t('viewer.fit')}
        </button>
        <span className="viewer-sep" />
        <button type="button" className="btn btn-small" onClick={() => setTurn(normTurn(turn - 90))} data-testid="viewer-rotate-back">
          {t('viewer.rotateBack')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => setTurn(normTurn(turn + 90))} data-testid="viewer-rotate">
          {t('viewer.rotate')}
        </button>
      </div>
      {starts && starts.index > 0 && (
        <p className="small muted" data-testid="viewer-part-start">
          {t('viewer.partStarts', { n: starts.index + 1, type: tx('doctype.' + starts.type, starts.type) })}
        </p>
      )}
      <div className="viewer-frame" ref={frame}>
        {sealed && !reason ? (
          <p className="muted" data-testid="doc-image-masked">
            {t('doc.sealedFile')}
          </p>
        ) : img.error ? (
          <ErrorBox error={img.error} />
        ) : !img.url ? (
          <Loading />
        ) : (
          <div
            className="viewer-stage"
            data-testid="viewer-stage"
            style={stage ? { width: stage.width, height: stage.height } : undefined}
          >
            <img
              src={img.url}
              alt={t('viewer.pageAlt', { name: d.file_name || d.id, n: page })}
              data-testid="doc-image"
              onLoad={(e) => !read && setNatural({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
              style={
                image
                  ? { width: image.width, height: image.height, transform: `translate(-50%, -50%) rotate(${image.rotate}deg)` }
                  : { position: 'static', maxWidth: '100%' }
              }
            />
            {box && (
              <div
                className="viewer-highlight"
                data-testid="field-highlight"
                data-field={field ?? ''}
                aria-label={t('viewer.highlight', { field: field ?? '' })}
                style={{ left: box[0], top: box[1], width: box[2], height: box[3] }}
              />
            )}
          </div>
        )}
      </div>
      {current && (
        <div className="viewer-fields">
          {flags.map((f, i) => (
            <p key={i} className="alert alert-warn small" data-testid="viewer-flag" data-flag={f.key}>
              <button type="button" className="btn-link" onClick={() => select(f.field)}>
                {t(f.key, Object.fromEntries(Object.entries(f.params).map(([k, v]) => [k, typeof v === 'number' ? formatFen(v) : v])))}
              </button>
            </p>
          ))}
          <h3>{t('viewer.fields')}</h3>
          <table className="table compact" data-testid="viewer-field-list">
            <thead>
              <tr>
                <th />
                <th>{t('viewer.machine')}</th>
                <th>{t('viewer.handler')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {fieldRows.map(([key, label]) => {
                const now = value(current.fields, key);
                const machine = current.reading ? value(current.reading.fields, key) : now;
                const corrected = current.corrected?.includes(key === 'names' ? 'names' : key) ?? false;
                if (now === undefined && machine === undefined) return null;
                const source = current.sources?.[key];
                return (
                  <tr key={key} className={field === key ? 'selected' : ''} data-testid="viewer-field" data-field={key}>
                    <td>
                      <button type="button" className="btn-link" onClick={() => select(key)} data-testid={`select-field-${key}`} aria-pressed={field === key}>
                        {tx(label, key)}
                      </button>
                    </td>
                    <td data-testid="field-machine">{machine ?? '—'}</td>
                    <td data-testid="field-handler">{corrected ? (now ?? '—') : ''}</td>
                    <td className="small muted">
                      {source ? t('viewer.sourceOn', { page: source.page, pct: Math.round(source.confidence * 100) }) : field === key ? t('viewer.noSource') : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {corrections.length > 0 && (
            <div data-testid="viewer-readings">
              <h3>{t('viewer.readings')}</h3>
              {corrections.map((c, i) => (
                <p key={i} className="small" data-testid="viewer-correction">
                  {t('viewer.correctedBy', { by: c.by, at: formatDateTime(c.at, lang), note: c.note ?? '—' })}
                </p>
              ))}
            </div>
          )}
        </div>
      )}
    </div>
  );
}
