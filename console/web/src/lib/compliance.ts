// The compliance report (R13) of every service, one row per rule.

import type { Service } from '../api/client';
import type { ComplianceMode, ComplianceReport, ComplianceRule } from '../api/types';

export interface RuleRow extends Omit<ComplianceRule, 'worst' | 'modes'> {
  /** The services that had deadlines of the rule due in the period. */
  services: Service[];
  /** The counts per decision mode (issue 19), summed over the services, '' first; empty when no deadline is tagged. */
  modes: ComplianceMode[];
}

const rate = (met: number, missed: number) => (met + missed > 0 ? met / (met + missed) : 1);

/** Sums the modes of a rule over the services, by mode name, '' first; none when no deadline was met in a mode. */
function mergeModes(rules: ComplianceRule[]): ComplianceMode[] {
  const byMode = new Map<string, ComplianceMode>();
  for (const rule of rules) {
    for (const m of rule.modes ?? []) {
      if (m.total === 0) continue;
      const row = byMode.get(m.mode) ?? { mode: m.mode, total: 0, met: 0, missed: 0, open: 0, open_breached: 0, on_time_rate: 1 };
      row.total += m.total;
      row.met += m.met;
      row.missed += m.missed;
      row.open += m.open;
      row.open_breached += m.open_breached;
      byMode.set(m.mode, row);
    }
  }
  if (![...byMode.keys()].some((m) => m !== '')) return [];
  return [...byMode.values()].sort((a, b) => a.mode.localeCompare(b.mode)).map((m) => ({ ...m, on_time_rate: rate(m.met, m.missed) }));
}

/** One row per rule, summed over the services: each rule is tracked by the service that owes it. */
export function mergeRules(reports: [Service, ComplianceReport][]): RuleRow[] {
  const rows = new Map<string, RuleRow>();
  const rules = new Map<string, ComplianceRule[]>();
  for (const [service, r] of reports) {
    for (const rule of r.rules) {
      rules.set(rule.rule, [...(rules.get(rule.rule) ?? []), rule]);
      const row: RuleRow = rows.get(rule.rule) ?? { rule: rule.rule, r_number: rule.r_number, total: 0, met: 0, missed: 0, open: 0, open_breached: 0, on_time_rate: 1, services: [], modes: [] };
      row.total += rule.total;
      row.met += rule.met;
      row.missed += rule.missed;
      row.open += rule.open;
      row.open_breached += rule.open_breached;
      if (rule.total > 0) row.services.push(service);
      rows.set(rule.rule, row);
    }
  }
  return [...rows.values()].map((row) => ({ ...row, on_time_rate: rate(row.met, row.missed), modes: mergeModes(rules.get(row.rule) ?? []) }));
}

export interface Late {
  rule: string;
  r_number: string;
  claim_id: string;
  state: string;
  due_at: string;
  done_at?: string | null;
  delay_seconds: number;
}

/** The longest delays over every service and rule, longest first. */
export function worstDelays(reports: [Service, ComplianceReport][], n = 10): Late[] {
  return reports
    .flatMap(([, r]) => r.rules.flatMap((rule) => rule.worst.map((w) => ({ ...w, rule: rule.rule, r_number: rule.r_number }))))
    .filter((w) => w.delay_seconds > 0)
    .sort((a, b) => b.delay_seconds - a.delay_seconds)
    .slice(0, n);
}
