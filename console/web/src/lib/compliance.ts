// The compliance report (R13) of every service, one row per rule.

import type { Service } from '../api/client';
import type { ComplianceReport, ComplianceRule } from '../api/types';

export interface RuleRow extends Omit<ComplianceRule, 'worst'> {
  /** The services that had deadlines of the rule due in the period. */
  services: Service[];
}

/** One row per rule, summed over the services: each rule is tracked by the service that owes it. */
export function mergeRules(reports: [Service, ComplianceReport][]): RuleRow[] {
  const rows = new Map<string, RuleRow>();
  for (const [service, r] of reports) {
    for (const rule of r.rules) {
      const row: RuleRow = rows.get(rule.rule) ?? { rule: rule.rule, r_number: rule.r_number, total: 0, met: 0, missed: 0, open: 0, open_breached: 0, on_time_rate: 1, services: [] };
      row.total += rule.total;
      row.met += rule.met;
      row.missed += rule.missed;
      row.open += rule.open;
      row.open_breached += rule.open_breached;
      if (rule.total > 0) row.services.push(service);
      rows.set(rule.rule, row);
    }
  }
  return [...rows.values()].map((row) => ({ ...row, on_time_rate: row.met + row.missed > 0 ? row.met / (row.met + row.missed) : 1 }));
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
