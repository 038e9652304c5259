/**
 * `eval-sandbox run`, for real: the built CLI applies an Evaluation spec to the local control plane
 * plus one gVisor worker node (cli/local/node.ts), streams the conformance probe's log and exits with
 * the Job's result. Needs root and the node tools, like test/e2e/node.test.ts, and `npm run build`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { ControlPlane } from '../../cli/local/control-plane';
import { SandboxConformanceProbe } from '../../constructs/k8s/conformance-probe';
import { PROBE_IMAGE } from '../../constructs/shared/probe-image';
import { startLocalNode, StartedNode, stopLocalNode } from '../support/node';
import { ROOT } from '../support/tools';

jest.setTimeout(300_000);

let plane: ControlPlane;
let stateDir: string;

let started: StartedNode | undefined;

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'cli', 'run.js')))
    throw new Error('lib/cli/run.js is missing: run `npm run build` first (npm test does it)');
  started = await startLocalNode('eval-sandbox-run');
  ({ plane, stateDir } = started);
}, 45 * 60_000);

afterAll(() => stopLocalNode(started), 120_000);

/** Writes an Evaluation spec running the probe's checks with `env`. */
function probeSpec(name: string, env: Record<string, string>): string {
  const file = path.join(stateDir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    stringify({
      apiVersion: 'eval-sandbox.dev/v1alpha1',
      kind: 'Evaluation',
      metadata: { name },
      spec: {
        image: PROBE_IMAGE,
        args: ['check'],
        env,
        resources: { cpu: '250m', memory: '1Gi', ephemeralStorage: '1Gi' },
        timeout: '5m',
      },
    }),
  );
  return file;
}

/** Runs the built CLI without blocking the event loop (the control plane lives in this process). */
function cli(
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'eval-sandbox.js'), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Fails with the CLI's stderr when it did not exit with `code`. */
function expectExit(r: { status: number | null; stderr: string }, code: number): void {
  if (r.status !== code)
    throw new Error(`exit ${r.status}, expected ${code}; stderr:\n${r.stderr}`);
}

test('eval-sandbox run applies a spec, streams the probe log and exits with the Job result', async () => {
  // GIVEN the probe's expectations for its own resources (a spec cannot shrink the 1Gi scratch
  // volume, which is charged to memory, so memory is 1Gi), and a kubeconfig for the local cluster
  const env = SandboxConformanceProbe.environment({
    cpu: kplus.Cpu.millis(250),
    memory: Size.gibibytes(1),
    // Strict mode drops a new pod's first packets until kube-router has judged it.
    timeout: Duration.seconds(10),
    // A spec's sandbox has no DNS: no nameserver may answer.
    clusterDnsAllowed: false,
  });
  const kubeconfig = plane.writeKubeconfig(path.join(stateDir, 'run.kubeconfig'));

  // WHEN a passing spec runs
  const pass = await cli(
    'run',
    probeSpec('run-pass', env),
    '--kubeconfig',
    kubeconfig,
    '--timeout',
    '3m',
  );
  // THEN it exits 0 with the probe's passing report on stdout, the sandbox applied before the Job
  expectExit(pass, 0);
  const report = pass.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { probe: string; ok: boolean })
    .find((r) => r.probe === 'eval-sandbox-conformance');
  expect(report?.ok).toBe(true);
  expect(pass.stdout).toContain('"ok":true');
  const applied = pass.stderr.split('\n').filter((l) => l.startsWith('[run] applying '));
  expect(applied[0]).toBe('[run] applying Namespace sbx-run-pass');
  expect(applied.at(-1)).toBe('[run] applying Job sbx-run-pass/eval-run-pass');
  expect(pass.stderr).toContain('[run] Job sbx-run-pass/eval-run-pass completed');

  // WHEN it runs again: the finished Job is reported, nothing applied
  const again = await cli('run', probeSpec('run-pass', env), '--kubeconfig', kubeconfig);
  expectExit(again, 0);
  expect(again.stderr).toContain('already ran (Complete); not applying again');
  expect(again.stderr).not.toContain('[run] applying');

  // WHEN the probe must reach what no policy allows
  const fail = await cli(
    'run',
    probeSpec('run-fail', { ...env, PROBE_ALLOWED: '10.30.0.10:443', PROBE_SETTLE_MS: '1000' }),
    '--kubeconfig',
    kubeconfig,
    '--timeout',
    '3m',
  );
  // THEN it exits 1 and names the failing check
  expectExit(fail, 1);
  expect(fail.stderr).toContain('[run] Job sbx-run-fail/eval-run-fail failed: ');
  expect(fail.stderr).toContain('[run] failed check allowed:10.30.0.10:443');
  expect(fail.stdout).toContain('"ok":false');
});
