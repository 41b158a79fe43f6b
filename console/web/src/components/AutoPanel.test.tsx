import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Assessment } from '../api/auto';
import type { ClaimDocument } from '../api/types';
import { I18nProvider, type Lang } from '../i18n/i18n';
import { lowFields, partOfField, percent } from '../lib/auto';
import { AssessmentView } from './AutoPanel';

// The straight-through panel rendered to HTML (issue 19): the fields read
// with low confidence, each with its confidence, its document and how it
// was corroborated or that it was not, in both languages.

const doc = (id: string, type: string, file: string): ClaimDocument => ({
  id,
  report_id: 'r-1',
  claim_id: 'c-1',
  sha256: '',
  media: 'png',
  pages: 1,
  size_bytes: 1,
  file_name: file,
  uploaded_by: 'h',
  uploaded_at: '2026-03-01T00:00:00Z',
  state: 'read',
  type,
  fields: {},
});

const documents = [doc('d-invoice', 'medical_invoice', 'receipt.png'), doc('d-cert', 'diagnosis_certificate', 'cert.png')];

/** A scanned claim left to a handler: three fields corroborated, the name not. */
const corroborated: Assessment = {
  claim_id: 'c-1',
  product_code: 'MED-STP',
  rules_version: 2,
  automatic: false,
  reasons: [
    { code: 'low_confidence', params: { document_id: 'd-invoice', field: 'patient_name', confidence: '0.79', threshold: '0.90' } },
    { code: 'low_confidence', params: { document_id: 'd-cert', type: 'diagnosis_certificate', confidence: '0.50', threshold: '0.90' } },
  ],
  computation: null,
  assessed_at: '2026-03-02T00:00:00Z',
  corroborations: [
    { document_id: 'd-invoice', field: 'total_amount_fen', confidence: 0.84, by: 'total_cross_checked' },
    { document_id: 'd-invoice', field: 'event_date', confidence: 0.86, by: 'date_on_other_document', other_document_id: 'd-cert' },
    { document_id: 'd-invoice', field: 'invoice_number', confidence: 0.88, by: 'no_invoice_alike' },
  ],
};

/** A claim decided automatically, every field read with the confidence required. */
const clean: Assessment = {
  ...corroborated,
  automatic: true,
  reasons: [],
  corroborations: [],
};

function render(a: Assessment, lang: Lang, show = false): string {
  return renderToStaticMarkup(
    <I18nProvider initial={lang}>
      <AssessmentView a={a} documents={documents} onShowField={show ? () => undefined : undefined} />
    </I18nProvider>,
  );
}

/** rows returns the low-confidence rows of html: field, by and text. */
function rows(html: string): { field: string; by: string; text: string }[] {
  return [...html.matchAll(/<tr data-testid="auto-low-field" data-field="([^"]*)" data-by="([^"]*)"[^>]*>(.*?)<\/tr>/g)].map((m) => ({
    field: m[1] ?? '',
    by: m[2] ?? '',
    text: (m[3] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(),
  }));
}

describe('the fields read with low confidence', () => {
  it('lists each corroborated field with its confidence, document and check, in Chinese', () => {
    const got = rows(render(corroborated, 'zh'));
    expect(got).toEqual([
      { field: 'total_amount_fen', by: 'total_cross_checked', text: '合计金额 医疗收费票据 receipt.png 84% 小写金额与大写金额（或各项费用、各项支付之和）一致' },
      { field: 'event_date', by: 'date_on_other_document', text: '就诊日期 医疗收费票据 receipt.png 86% 与另一份材料（诊断证明书 cert.png）上的日期一致' },
      { field: 'invoice_number', by: 'no_invoice_alike', text: '票据号码 医疗收费票据 receipt.png 88% 被保险人的其他理赔中没有同日同金额的发票' },
      { field: 'patient_name', by: '', text: '患者姓名 医疗收费票据 receipt.png 79% 未能确认：交由经办人核定' },
    ]);
  });
  it('lists them in English', () => {
    const got = rows(render(corroborated, 'en'));
    expect(got.map((r) => r.text)).toEqual([
      'Total Medical invoice receipt.png 84% The total in figures equals its capitals (or the sums of its charges and of its payments)',
      'Date of treatment Medical invoice receipt.png 86% Another document (Diagnosis certificate cert.png) prints the same date',
      'Invoice number Medical invoice receipt.png 88% No other claim of the insured holds an invoice of that total on that day',
      'Patient’s name Medical invoice receipt.png 79% Not confirmed: a handler decides',
    ]);
  });
  it('words the reasons with the document by its name and confidences as percentages', () => {
    const zh = render(corroborated, 'zh');
    expect(zh).toContain('识别置信度低：医疗收费票据 receipt.png 患者姓名（79% &lt; 90%）');
    expect(zh).toContain('整份材料识别置信度低：诊断证明书 cert.png（诊断证明书，50% &lt; 90%）');
    const en = render(corroborated, 'en');
    expect(en).toContain('Read with low confidence: Medical invoice receipt.png Patient’s name (79% &lt; 90%)');
    for (const html of [zh, en]) expect(html.replace(/<[^>]+>/g, '')).not.toMatch(/\{\w+\}/);
  });
  it('says when no field was read with low confidence', () => {
    for (const [lang, words] of [
      ['zh', '没有识别置信度低于要求的字段。'],
      ['en', 'No field was read below the confidence required.'],
    ] as const) {
      const html = render(clean, lang);
      expect(rows(html)).toEqual([]);
      expect(html).toContain(words);
      expect(html).toContain('data-testid="auto-decided"');
    }
    expect(rows(render({ ...clean, corroborations: undefined }, 'zh'))).toEqual([]);
  });
  it('offers to show a field on its page only where the page can show it', () => {
    expect(render(corroborated, 'zh', true).match(/data-testid="auto-show-field"/g)).toHaveLength(4);
    expect(render(corroborated, 'zh')).not.toContain('auto-show-field');
  });
});

describe('the helpers of the panel', () => {
  it('puts corroborated fields before those left to a handler, a document in doubt not among them', () => {
    expect(lowFields(corroborated).map((f) => `${f.field}:${f.by}:${f.confidence}`)).toEqual([
      'total_amount_fen:total_cross_checked:0.84',
      'event_date:date_on_other_document:0.86',
      'invoice_number:no_invoice_alike:0.88',
      'patient_name::0.79',
    ]);
  });
  it('shows a confidence rounded down', () => {
    expect([percent(0.899), percent(0.8), percent(0.29), percent(1)]).toEqual(['89%', '80%', '29%', '100%']);
  });
  it('finds the part of a bundle a field was read from by its confidence', () => {
    const src = (confidence: number) => ({ total_amount_fen: { page: 1, box: [0, 0, 1, 1] as [number, number, number, number], confidence } });
    const parts = [
      { index: 0, pages: [1, 1] as [number, number], type: 'discharge_summary', confidence: 0.9, fields: {} },
      { index: 1, pages: [2, 2] as [number, number], type: 'medical_invoice', confidence: 0.9, fields: {}, sources: src(0.95) },
      { index: 2, pages: [3, 3] as [number, number], type: 'medical_invoice', confidence: 0.8, fields: {}, sources: src(0.84) },
    ];
    expect(partOfField(parts, 'total_amount_fen', 0.84)).toBe(2);
    expect(partOfField(parts, 'total_amount_fen', Number.NaN)).toBe(1);
    expect(partOfField(parts, 'check_code', 0.84)).toBe(0);
  });
});
