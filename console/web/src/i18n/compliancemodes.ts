// The words of the compliance report split by decision mode (issue 19):
// each rule's deadlines met by an automatic decision and by a person's
// counted apart.

export const zhComplianceModes = {
  'complianceMode.hint': '核定类期限按核定方式分列：系统自动核定与人工核定分开统计；其他期限不分列。',
  'complianceMode.automatic': '其中：自动核定',
  'complianceMode.manual': '其中：人工核定',
  'complianceMode.none': '其中：尚未完成或不分方式',
};

export const enComplianceModes: Record<keyof typeof zhComplianceModes, string> = {
  'complianceMode.hint': 'Decision deadlines are split by how the claim was decided: automatically by the system or by a person; other deadlines are not split.',
  'complianceMode.automatic': 'of which decided automatically',
  'complianceMode.manual': 'of which decided by a person',
  'complianceMode.none': 'of which open or not split',
};
