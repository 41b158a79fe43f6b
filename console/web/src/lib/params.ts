// The values of a server's reason code (issue 20) made ready for the
// catalogue: dates in the user's language, codes by their names.

import { formatFen } from './money';
import { formatDate } from './time';

type Tx = (key: string, fallback: string) => string;

/** localParams words params for lang: YYYY-MM-DD dates as the language writes them, an incident type, benefit or region by its name. */
export function localParams(params: Record<string, string>, lang: string, tx: Tx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) out[k] = formatDate(v, lang);
    else if (k.endsWith('_fen') && /^-?\d+$/.test(v)) out[k] = formatFen(Number(v));
    else if (k === 'incident_type') out[k] = tx('incident.' + v, v);
    else if (k === 'benefit') out[k] = tx('benefit.' + v, v);
    else if (k === 'benefits') out[k] = v.split(/,\s*/).map((b) => tx('benefit.' + b, b)).join(lang === 'en' ? ', ' : '、');
    else if (k === 'relation' || k === 'claimed_relation') out[k] = tx('relation.' + v, v);
    else out[k] = v;
  }
  return out;
}
