import * as fs from 'node:fs';
import * as path from 'node:path';
import { ruleFolder } from '../../../policies/k8s/fixtures/catalogue';
import { buildPolicyPack, checkInclude, selectRules } from '../../../policies/k8s/pack';
import { ALL_RULES } from '../../../policies/k8s/rules';
import { renderPolicyDocs } from '../../../policies/docs';
import { TF_RULES } from '../../../policies/tf/pack';

const ROOT = path.resolve(__dirname, '../../..');
const POLICIES = path.join(ROOT, 'policies', 'k8s');

describe('rule list', () => {
  test('every rule folder is in the list, and every rule in the list has its folder', () => {
    const folders = fs
      .readdirSync(POLICIES, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(POLICIES, d.name, 'rule.ts')))
      .map((d) => d.name)
      .sort();
    expect(ALL_RULES.map((r) => ruleFolder(r.id)).sort()).toEqual(folders);
  });

  test('ids are unique, stable-looking and carry their number', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SBX-[RBX]\d+-[a-z0-9-]+$/);
    expect(ids.filter((id) => /^SBX-R\d+-/.test(id))).toHaveLength(19);
  });

  test.each(ALL_RULES.map((r) => [r.id, r]))(
    '%s has its metadata beside its logic',
    (_id, rule) => {
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.blocks.length).toBeGreaterThan(10);
      expect(rule.why.length).toBeGreaterThan(10);
      expect(['critical', 'high', 'medium']).toContain(rule.severity);
      expect(rule.validations.length).toBeGreaterThan(0);
      for (const v of rule.validations) expect(v.messageExpression).toContain(`[${rule.id}]`);
    },
  );

  test('the default pack is exactly R1–R19 and the boundary rules; further rules are off', () => {
    expect(selectRules().map((r) => r.id)).toEqual([
      'SBX-R1-runtime-class',
      'SBX-R2-image-digest',
      'SBX-R3-pod-security-restricted',
      'SBX-R4-no-service-account-token',
      'SBX-R5-resource-limits',
      'SBX-R6-read-only-root-filesystem',
      'SBX-R7-bounded-runtime',
      'SBX-R8-no-daemonsets',
      'SBX-R9-no-exposed-services',
      'SBX-R10-no-metadata-egress',
      'SBX-R11-priority-class',
      'SBX-R12-volumes',
      'SBX-R13-network-peers',
      'SBX-R14-no-ephemeral-containers',
      'SBX-R15-scheduling-isolation',
      'SBX-R16-no-token-secrets',
      'SBX-R17-claim-size',
      'SBX-R18-non-root-in-user-namespace',
      'SBX-R19-internet-egress-gateway-only',
      'SBX-B1-sandbox-namespace-labels',
      'SBX-B2-sandbox-rbac',
      'SBX-B3-sandbox-namespace-shape',
      'SBX-B4-sandbox-subject-bindings',
    ]);
    expect(ALL_RULES.filter((r) => !r.enabledByDefault).map((r) => r.id)).toEqual([
      'SBX-X1-no-secrets-in-sandbox',
    ]);
  });

  test('include adds an off-by-default rule; an unknown id is an error naming the known ones', () => {
    expect(selectRules({ include: ['SBX-X1-no-secrets-in-sandbox'] }).map((r) => r.id)).toContain(
      'SBX-X1-no-secrets-in-sandbox',
    );
    expect(checkInclude(['SBX-X9-nope'])).toMatch(
      /^include: unknown rule 'SBX-X9-nope'; known rules: SBX-R1-runtime-class, /,
    );
    expect(() => buildPolicyPack({ include: ['SBX-X9-nope'] })).toThrow(
      /unknown rule 'SBX-X9-nope'/,
    );
  });
});

describe('docs/policies.md', () => {
  test('is generated from the rule metadata and current (run `npm run generate`)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'policies.md'), 'utf8')).toBe(
      renderPolicyDocs(),
    );
  });

  test('lists every rule with what it blocks and why', () => {
    const doc = renderPolicyDocs();
    for (const r of ALL_RULES) {
      expect(doc).toContain(`### ${r.id}:`);
      expect(doc).toContain(r.why.replace(/\|/g, '\\|'));
    }
    for (const r of TF_RULES) {
      expect(doc).toContain(`### ${r.id}`);
      for (const c of r.mirrors.checkov) expect(doc).toContain(c);
    }
  });
});
