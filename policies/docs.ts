/**
 * Renders docs/policies.md from the rule metadata (`npm run generate`); a test fails when the
 * committed page is stale.
 */
import { CATALOGUE } from './k8s/fixtures/catalogue';
import { policyName } from './k8s/pack';
import { DEFAULT_PARAMETERS } from './k8s/parameters';
import { ALL_RULES } from './k8s/rules';
import { TF_RULES } from './tf/pack';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderPolicyDocs(): string {
  const lines: string[] = [
    '# Policy rules',
    '',
    '<!-- Generated from the rule metadata by `npm run generate`. Do not edit by hand. -->',
    '',
    '## Kubernetes admission rules',
    '',
    'Each rule is one `ValidatingAdmissionPolicy` (`admissionregistration.k8s.io/v1`, CEL, `failurePolicy: Fail`)',
    'and one binding. Rules scoped to sandbox namespaces are bound with a namespace selector on',
    '`eval-sandbox.io/sandbox: "true"`. `eval-sandbox policy check` evaluates the same policies offline.',
    'Fixtures: `policies/k8s/<rule>/good/` (admitted) and `bad/` (refused by that rule alone), and',
    'request fixtures (updates, deletes, subresource writes, other identities) in `<rule>/fixtures.ts`.',
    '',
    'Bounds are pack parameters (`SandboxAdmissionPolicies` prop `parameters`), compiled into the CEL;',
    'the values below are the defaults. What each rule stops, and what admission cannot, is mapped in',
    '[threat-model.md](threat-model.md).',
    '',
    '| id | policy | severity | default | applies to | good | bad |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of ALL_RULES) {
    const resources = [...new Set(r.match.flatMap((m) => m.resources))].join(', ');
    const count = (verdict: string) =>
      CATALOGUE.filter((c) => c.rule === r.id && c.verdict === verdict).length;
    lines.push(
      `| \`${r.id}\` | \`${policyName(r)}\` | ${r.severity} | ${r.enabledByDefault ? 'on' : 'off'} | ${resources} | ${count('good')} | ${count('bad')} |`,
    );
  }
  for (const r of ALL_RULES) {
    lines.push(
      '',
      `### ${r.id}: ${cell(r.title)}`,
      '',
      `- **Blocks:** ${cell(r.blocks)}`,
      `- **Why:** ${cell(r.why)}`,
    );
    lines.push(
      `- **Operations:** ${[...new Set(r.match.flatMap((m) => m.operations))].join(', ')}`,
      `- **Resources:** ${[...new Set(r.match.flatMap((m) => m.resources))].join(', ')}`,
    );
    if (r.bound) lines.push(`- **Bound:** ${cell(r.bound)}`);
    if (r.parameters && r.parameters.length > 0)
      lines.push(
        `- **Parameters:** ${r.parameters
          .map(
            (name) => `\`${name}\` (default \`${cell(JSON.stringify(DEFAULT_PARAMETERS[name]))}\`)`,
          )
          .join(', ')}`,
      );
    if (!r.enabledByDefault)
      lines.push(`- **Off by default:** include it with \`include: ['${r.id}']\`.`);
  }
  lines.push(
    '',
    '## Terraform rules',
    '',
    'Run over the synthesized Terraform configuration of every stack (`policies/tf/`). An error fails',
    'the synthesis; acknowledging a finding takes a written reason (at least 20 characters), which every',
    'report shows. The checkov and CIS EKS Benchmark references are the checks each rule mirrors.',
    '',
    '| id | severity | what it requires | mirrors |',
    '| --- | --- | --- | --- |',
  );
  for (const r of TF_RULES) {
    const mirrors = [...r.mirrors.checkov, ...(r.mirrors.cis ? [r.mirrors.cis] : [])].join(', ');
    lines.push(`| \`${r.id}\` | ${r.severity} | ${cell(r.title)} | ${mirrors} |`);
  }
  for (const r of TF_RULES) lines.push('', `### ${r.id}`, '', `${cell(r.title)}. ${cell(r.why)}`);
  lines.push('');
  return lines.join('\n');
}
