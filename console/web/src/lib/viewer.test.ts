import { describe, expect, it } from 'vitest';
import type { ClaimDocument } from '../api/types';
import { boxOnStage, disagreements, fitScale, imageStyle, normTurn, partOfPage, partsOf, stageSize, type Box } from './viewer';

// An upright A4 page at 150 dpi, and the box of an amount near its top right.
const W = 1240;
const H = 1754;
const amount: Box = [900, 100, 200, 50];

describe('a field box on the page as displayed', () => {
  it('scales the box with the page, unturned', () => {
    expect(boxOnStage(amount, W, H, 0, 0.5)).toEqual([450, 50, 100, 25]);
  });
  it('turns the box with the page, a quarter clockwise', () => {
    // Turned clockwise, the page's top edge becomes its right edge: the box
    // near the top right lands near the bottom right.
    expect(boxOnStage(amount, W, H, 90, 1)).toEqual([H - 150, 900, 50, 200]);
    expect(stageSize(W, H, 90, 1)).toEqual({ width: H, height: W });
  });
  it('turns the box half round and three quarters', () => {
    expect(boxOnStage(amount, W, H, 180, 1)).toEqual([W - 1100, H - 150, 200, 50]);
    expect(boxOnStage(amount, W, H, 270, 1)).toEqual([100, W - 1100, 50, 200]);
  });
  it('keeps the box inside the stage whichever way the page is turned', () => {
    for (const turn of [0, 90, 180, 270] as const) {
      const [x, y, w, h] = boxOnStage(amount, W, H, turn, 0.7);
      const stage = stageSize(W, H, turn, 0.7);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + w).toBeLessThanOrEqual(stage.width + 1e-9);
      expect(y + h).toBeLessThanOrEqual(stage.height + 1e-9);
    }
  });
  it('four quarter turns come back to the start', () => {
    expect(normTurn(90 * 4)).toBe(0);
    expect(normTurn(-90)).toBe(270);
    expect(normTurn(450)).toBe(90);
  });
  it('fits the turned page to the frame, then zooms', () => {
    expect(fitScale(W, H, 0, 1, 620)).toBeCloseTo(0.5);
    expect(fitScale(W, H, 90, 2, 877)).toBeCloseTo(1);
    expect(fitScale(W, H, 0, 1, 620, 400)).toBeCloseTo(400 / H);
  });
  it('turns a stored page the reader turned, before the handler’s turn', () => {
    // The reader turned the stored page 90° to make it upright: the stored
    // image is H wide and W high, and the display turns it 90° plus the
    // handler's turn.
    const page = { number: 1, width: W, height: H, rotation: 90 };
    expect(imageStyle(page, 0, 0.5)).toEqual({ width: H / 2, height: W / 2, rotate: 90 });
    expect(imageStyle(page, 270, 1)).toEqual({ width: H, height: W, rotate: 0 });
  });
});

describe('the parts of an upload', () => {
  const doc = {
    id: 'd1',
    pages: 3,
    fields: {},
    reading: { type: 'discharge_summary', confidence: 0.9, fields: {}, read_at: '' },
    type: 'discharge_summary',
  } as unknown as ClaimDocument;
  it('reads a document without parts as one part over every page', () => {
    expect(partsOf(doc).map((p) => [p.index, p.pages, p.type])).toEqual([[0, [1, 3], 'discharge_summary']]);
  });
  it('finds the part of a page', () => {
    const parts = [
      { index: 0, pages: [1, 2] as [number, number], type: 'discharge_summary', confidence: 1, fields: {} },
      { index: 1, pages: [3, 3] as [number, number], type: 'medical_invoice', confidence: 1, fields: {} },
    ];
    expect(partOfPage(parts, 2)?.index).toBe(0);
    expect(partOfPage(parts, 3)?.index).toBe(1);
    expect(partOfPage(parts, 4)).toBeUndefined();
  });
});

describe('the disagreements a handler must check', () => {
  it('flags figures that differ from the capitals', () => {
    const got = disagreements({ total_amount_fen: 23450, amounts_disagree: true, amount_figures_fen: 23450, amount_capitals_fen: 23550 }, '王芳');
    expect(got.map((d) => [d.key, d.params])).toEqual([['viewer.flag.capitals', { figures: 23450, capitals: 23550 }]]);
  });
  it('flags a patient who is not the insured, not a name written with spaces', () => {
    expect(disagreements({ patient_name: '李四' }, '王芳').map((d) => d.key)).toEqual(['viewer.flag.insured']);
    expect(disagreements({ names: ['王 芳'] }, '王芳')).toEqual([]);
    expect(disagreements({ names: ['赵敏', '王芳'] }, '王芳')).toEqual([]);
  });
  it('flags an insurance split or items that do not add up to the total', () => {
    const split = { fund_paid_fen: 60000, personal_account_fen: 10000, self_pay_fen: 20000, self_funded_fen: 10000 };
    expect(disagreements({ total_amount_fen: 100000, insurance: split }, '')).toEqual([]);
    expect(disagreements({ total_amount_fen: 100100, insurance: split }, '').map((d) => d.key)).toEqual(['viewer.flag.sums']);
    const items = [
      { name: '床位费', amount_fen: 30000 },
      { name: '药费', amount_fen: 20000 },
    ];
    expect(disagreements({ total_amount_fen: 50000, items }, '')).toEqual([]);
    expect(disagreements({ total_amount_fen: 60000, items }, '')[0]?.params).toEqual({ sum: 50000, total: 60000 });
  });
});
