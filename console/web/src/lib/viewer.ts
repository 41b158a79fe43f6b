// The document viewer's arithmetic: where a field's box, read in the pixels
// of the upright page image (intake's page_images: the reader turned the
// page by `rotation` degrees clockwise to make it upright, and measured the
// boxes there), lands on the page as displayed, zoomed and turned by the
// handler; and the disagreements a handler must look at (issue 18, 20).

import type { ClaimDocument, DocumentPart, Fields, PageImage } from '../api/types';

/** A rectangle [x, y, width, height] in pixels. */
export type Box = [number, number, number, number];

/** A quarter turn clockwise, in degrees. */
export type Turn = 0 | 90 | 180 | 270;

/** normTurn brings any multiple of 90 degrees into 0, 90, 180 or 270. */
export function normTurn(deg: number): Turn {
  return ((((Math.round(deg / 90) * 90) % 360) + 360) % 360) as Turn;
}

/** The size of the stage a page of upright size w×h takes once turned by turn and scaled. */
export function stageSize(w: number, h: number, turn: Turn, scale: number): { width: number; height: number } {
  const quarter = turn === 90 || turn === 270;
  return { width: (quarter ? h : w) * scale, height: (quarter ? w : h) * scale };
}

/**
 * boxOnStage maps a box on the upright page (w×h pixels) to the stage the
 * page is displayed on, turned clockwise by turn and scaled by scale.
 */
export function boxOnStage(box: Box, w: number, h: number, turn: Turn, scale: number): Box {
  const [x, y, bw, bh] = box;
  let out: Box;
  switch (turn) {
    case 90:
      out = [h - (y + bh), x, bh, bw];
      break;
    case 180:
      out = [w - (x + bw), h - (y + bh), bw, bh];
      break;
    case 270:
      out = [y, w - (x + bw), bh, bw];
      break;
    default:
      out = [x, y, bw, bh];
  }
  return out.map((v) => v * scale) as Box;
}

/**
 * fitScale is the scale at which a page of upright size w×h, turned by
 * turn, fits a frame of frameWidth pixels across (and, when given,
 * frameHeight down), times the handler's zoom.
 */
export function fitScale(w: number, h: number, turn: Turn, zoom: number, frameWidth: number, frameHeight?: number): number {
  if (w <= 0 || h <= 0 || frameWidth <= 0) return zoom;
  const s = stageSize(w, h, turn, 1);
  let fit = frameWidth / s.width;
  if (frameHeight && frameHeight > 0) fit = Math.min(fit, frameHeight / s.height);
  return fit * zoom;
}

/**
 * The CSS an image of the page as stored (before the reader's turn) takes
 * inside a stage of stageW×stageH to show the page upright and then turned
 * by the handler: centred, sized to the stored orientation, and rotated by
 * the reader's and the handler's turns together.
 */
export function imageStyle(page: PageImage, turn: Turn, scale: number): { width: number; height: number; rotate: Turn } {
  const stored = normTurn(page.rotation);
  const quarter = stored === 90 || stored === 270;
  // The stored image is the upright one turned back by the reader's turn.
  const width = (quarter ? page.height : page.width) * scale;
  const height = (quarter ? page.width : page.height) * scale;
  return { width, height, rotate: normTurn(stored + turn) };
}

/** The parts of a document: its own, else one part over every page (a reading stored before parts). */
export function partsOf(d: ClaimDocument): DocumentPart[] {
  if (d.parts?.length) return d.parts;
  if (!d.reading) return [];
  return [
    {
      index: 0,
      pages: [1, Math.max(d.pages, 1)],
      type: d.type ?? d.reading.type,
      confidence: d.reading.confidence,
      fields: d.fields,
      review: d.review,
      satisfies: d.satisfies,
      reading: d.reading,
    },
  ];
}

/** The part page n (from 1) belongs to, or undefined. */
export function partOfPage(parts: DocumentPart[], n: number): DocumentPart | undefined {
  return parts.find((p) => p.pages[0] <= n && n <= p.pages[1]);
}

/** Why a part's fields need a look: each a message key and its parameters. */
export interface Disagreement {
  key: 'viewer.flag.capitals' | 'viewer.flag.insured' | 'viewer.flag.sums';
  params: Record<string, string | number>;
  /** The field the flag is about, selected to show where it was read. */
  field: string;
}

/** squeeze removes spaces and the middle dot of transliterated names, for comparing names. */
const squeeze = (s: string) => s.replace(/[\s·•.]/g, '');

/**
 * disagreements lists what a handler must check in a part: the amount in
 * figures and in capitals differ (a Chinese voucher whose two amounts
 * differ is void); the patient or the names read are not the insured's (an
 * invoice of someone else); and an invoice whose insurance split or items
 * do not add up to its total.
 */
export function disagreements(f: Fields, insuredName: string): Disagreement[] {
  const out: Disagreement[] = [];
  if (f.amounts_disagree && f.amount_figures_fen !== undefined && f.amount_capitals_fen !== undefined) {
    out.push({ key: 'viewer.flag.capitals', params: { figures: f.amount_figures_fen, capitals: f.amount_capitals_fen }, field: 'total_amount_fen' });
  }
  const insured = squeeze(insuredName);
  const named = f.patient_name ? [f.patient_name] : (f.names ?? []);
  if (insured && named.length > 0 && !named.some((n) => squeeze(n) === insured)) {
    out.push({ key: 'viewer.flag.insured', params: { name: named.join('、') }, field: f.patient_name ? 'patient_name' : 'names' });
  }
  const total = f.total_amount_fen;
  const split = f.insurance;
  if (total !== undefined && split) {
    const sum = split.fund_paid_fen + split.personal_account_fen + split.self_pay_fen + split.self_funded_fen;
    // 个人自付 and 个人自费 are both paid by the patient, and some invoices
    // print the personal account inside 个人自付: the split adds up either way.
    const alt = split.fund_paid_fen + split.self_pay_fen + split.self_funded_fen;
    if (sum !== total && alt !== total) out.push({ key: 'viewer.flag.sums', params: { sum, total }, field: 'total_amount_fen' });
  }
  if (total !== undefined && f.items?.length) {
    const sum = f.items.reduce((a, it) => a + it.amount_fen, 0);
    if (sum !== total) out.push({ key: 'viewer.flag.sums', params: { sum, total }, field: 'total_amount_fen' });
  }
  return out;
}
