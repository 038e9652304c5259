/**
 * An independent scanner judges what we synthesize: checkov (pinned, from PyPI, installed by
 * scripts/install-checkov.sh) over dist/ (kubernetes) and, when the AWS stacks exist, over
 * cdktf.out (terraform_json). Zero failed checks except those in policies/checkov-accepted.yaml.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { synthesize } from '../../stacks/app';
import { DEFAULT_ENVIRONMENT } from '../../stacks/environments';

const ROOT = path.resolve(__dirname, '../..');

interface Acceptance {
  check: string;
  resource: string;
  reason: string;
}

interface CheckovFinding {
  check_id: string;
  resource: string;
  file_path: string;
}

function acceptances(): Acceptance[] {
  return (
    parse(fs.readFileSync(path.join(ROOT, 'policies', 'checkov-accepted.yaml'), 'utf8')) as {
      accepted: Acceptance[];
    }
  ).accepted;
}

let checkov: string;
/** Every failed check of the scans above, to find acceptances that no longer apply. */
const allFailed: CheckovFinding[] = [];

beforeAll(() => {
  checkov = execFileSync('bash', [path.join(ROOT, 'scripts', 'install-checkov.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}, 15 * 60_000);

/** Runs checkov on `dir` with `framework` and returns its summary and failed checks. */
function scan(dir: string, framework: string) {
  const r = spawnSync(
    checkov,
    [
      '-d',
      dir,
      '--framework',
      framework,
      '--output',
      'json',
      '--quiet',
      '--skip-download',
      '--compact',
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_NO_OUTPUT_COLORS: '1' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (r.error) throw r.error;
  const parsed = JSON.parse(r.stdout);
  const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter(
    (x) => x.check_type === framework,
  );
  if (reports.length !== 1)
    throw new Error(
      `checkov produced no ${framework} report for ${dir}: ${r.stdout.slice(0, 500)} ${r.stderr.slice(-500)}`,
    );
  const report = reports[0];
  return {
    summary: report.summary as {
      passed: number;
      failed: number;
      parsing_errors: number;
      resource_count: number;
    },
    failed: report.results.failed_checks as CheckovFinding[],
  };
}

function judge(failed: CheckovFinding[], accepted: Acceptance[]) {
  const isAccepted = (f: CheckovFinding) =>
    accepted.some((a) => a.check === f.check_id && a.resource === f.resource);
  return {
    unaccepted: failed
      .filter((f) => !isAccepted(f))
      .map((f) => `${f.check_id} ${f.resource} (${f.file_path})`),
    accepted: failed.filter(isAccepted),
  };
}

describe('checkov', () => {
  test('every acceptance names a check, a resource and a reason', () => {
    for (const a of acceptances()) {
      expect(a.check).toMatch(/^CKV2?_[A-Z0-9]+_\d+$/);
      expect(a.resource.length).toBeGreaterThan(0);
      expect(a.reason.trim().length).toBeGreaterThanOrEqual(20);
    }
  });

  test('dist/ (kubernetes): zero failed checks except the accepted ones', () => {
    const { summary, failed } = scan(path.join(ROOT, 'dist'), 'kubernetes');
    allFailed.push(...failed);
    const { unaccepted, accepted } = judge(failed, acceptances());
    console.log(
      `checkov kubernetes on dist/: ${summary.resource_count} resources, ${summary.passed} passed, ${summary.failed} failed (${accepted.length} accepted)`,
    );
    expect(summary.parsing_errors).toBe(0);
    expect(summary.resource_count).toBeGreaterThan(20);
    expect(summary.passed).toBeGreaterThan(100);
    expect(unaccepted).toEqual([]);
  });

  test('cdktf.out (terraform_json: the account stack and the default environment): zero failed checks except the accepted ones', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'checkov-tf-')), 'cdktf.out');
    synthesize(out);
    const stacks = path.join(out, 'stacks');
    expect(fs.readdirSync(stacks).sort()).toEqual([
      'eval-sandbox-account',
      `eval-sandbox-${DEFAULT_ENVIRONMENT}`,
    ]);
    const { summary, failed } = scan(stacks, 'terraform_json');
    allFailed.push(...failed);
    const { unaccepted, accepted } = judge(failed, acceptances());
    console.log(
      `checkov terraform_json on cdk.tf.json: ${summary.passed} passed, ${summary.failed} failed (${accepted.length} accepted)`,
    );
    expect(summary.parsing_errors).toBe(0);
    expect(summary.passed).toBeGreaterThan(100);
    expect(unaccepted).toEqual([]);
  }, 120_000);

  test('no acceptance is stale: each still matches a failed check', () => {
    const stale = acceptances().filter(
      (a) => !allFailed.some((f) => f.check_id === a.check && f.resource === a.resource),
    );
    expect(stale).toEqual([]);
  });

  test('it can fail: a privileged, tag-pinned, token-mounting pod is flagged', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkov-bad-'));
    fs.writeFileSync(
      path.join(dir, 'bad.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: x}\nspec:\n  containers:\n  - name: a\n    image: busybox:latest\n    securityContext: {privileged: true}\n',
    );
    const { failed } = scan(dir, 'kubernetes');
    expect(failed.map((f) => f.check_id)).toEqual(
      expect.arrayContaining(['CKV_K8S_16', 'CKV_K8S_14']),
    );
  });
});
