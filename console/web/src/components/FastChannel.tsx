// The fast-channel script (R8, issue 20): what intake told the claimant of
// a catastrophe claim when the report was taken (the simplified checklist,
// the advance, the basis), shown on the case so the handler says the same.

import type { Report } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { formatFen } from '../lib/money';

/** The part of a report's answer intake gives on the catastrophe fast channel. */
export interface FastChannelScript {
  catastrophe_code: string;
  catastrophe_name: string;
  title: string;
  title_en: string;
  points: { text: string; text_en: string }[];
  advance: { share_bps: number; cap_fen: number };
  basis: string;
}

export function fastChannelOf(r: Report | null): FastChannelScript | null {
  return (r as (Report & { fast_channel?: FastChannelScript }) | null)?.fast_channel ?? null;
}

export function FastChannel({ script }: { script: FastChannelScript }) {
  const { t, lang } = useI18n();
  return (
    <div data-testid="fast-channel-script">
      <p>
        <span className="badge badge-cat">{script.catastrophe_code}</span> {script.catastrophe_name}
      </p>
      <h3>{lang === 'en' ? script.title_en : script.title}</h3>
      <ol className="script-points">
        {script.points.map((p, i) => (
          <li key={i}>{lang === 'en' ? p.text_en : p.text}</li>
        ))}
      </ol>
      {script.advance.share_bps > 0 && (
        <p className="small">
          {t('wb.fast.advance', { share: (script.advance.share_bps / 100).toFixed(0), cap: formatFen(script.advance.cap_fen) })}
        </p>
      )}
      <p className="muted small">
        {t('wb.fast.basis')} {script.basis}
      </p>
    </div>
  );
}
