/**
 * Admission overhead on the real API server: server-side dry-run creates (`POST …/pods?dryRun=All`)
 * of a compliant Pod in a sandbox namespace, one at a time, timed per request, with and without the
 * platform's ValidatingAdmissionPolicyBindings. The namespace, Pod Security Admission labels and
 * every other object of the platform chart stay the same in both conditions; only the bindings
 * come and go, so the difference is what our policies cost. The conditions alternate in blocks
 * (without, with, without, with) so drift of the machine falls on both.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { ControlPlane } from '../cli/local/control-plane';
import { collectionPath, KubeClient, KubeObject } from '../cli/local/kube-client';
import { sandboxNamespace, specOf, workload } from '../policies/k8s/fixtures/workloads';
import { ROOT, quantile, tmpDir } from './proc';

const NAMESPACE = 'sbx-bench';
const BINDING = 'ValidatingAdmissionPolicyBinding';

export interface AdmissionResult {
  /** The kube-apiserver release measured (scripts/build-control-plane.sh, K8S_VERSION). */
  readonly kubernetesVersion: string;
  readonly requests: number;
  readonly p50Ms: { with: number; without: number };
  readonly p99Ms: { with: number; without: number };
}

async function must(what: string, response: Promise<{ status: number; text: string }>) {
  const r = await response;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 500)}`);
}

/** Waits until a Pod without runtimeClassName is refused (`bound`) or admitted (`!bound`). */
async function waitForPolicies(admin: KubeClient, bound: boolean): Promise<void> {
  const bad = workload('Pod', 'bench-probe');
  delete specOf(bad).runtimeClassName;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await admin.create(bad, { dryRun: true, namespace: NAMESPACE });
    if (bound ? r.status >= 400 : r.status < 300) return;
    if (Date.now() > deadline)
      throw new Error(`the policies did not ${bound ? 'take effect' : 'go away'} within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Latencies (ms) of `n` sequential dry-run creates of the compliant Pod. */
async function dryRunCreates(admin: KubeClient, n: number, offset: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const pod = workload('Pod', `bench-${offset + i}`);
    const start = performance.now();
    const r = await admin.create(pod, { dryRun: true, namespace: NAMESPACE });
    times.push(performance.now() - start);
    if (r.status !== 201) throw new Error(`dry-run create refused: ${r.status} ${r.text}`);
  }
  return times;
}

/**
 * Starts etcd + kube-apiserver (scripts/build-control-plane.sh builds or reuses them), applies the
 * platform chart (dist/platform.k8s.yaml) and measures `perCondition` creates in each condition.
 */
export async function benchAdmission(
  perCondition: number,
  log: (line: string) => void,
): Promise<AdmissionResult> {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'build-control-plane.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [etcd, apiserver] = out.trim().split('\n');
  const stateDir = tmpDir('eval-sandbox-bench-cp-');
  // No controller manager: nothing in a dry-run create needs one, and it would compete for the CPU.
  // No endpoint reconciler: nothing here reads the kubernetes Service's endpoints, and from 1.37
  // the reconciler refuses the loopback address the control plane listens on
  // (K8S_VERSION=v1.37.2 measures that release, built by the same script).
  const plane = await ControlPlane.start({
    etcd,
    apiserver,
    stateDir,
    apiserverArgs: ['--endpoint-reconciler-type=none'],
  });
  const version = /kubernetes-(v[0-9.]+)/.exec(apiserver)?.[1] ?? 'unknown';
  try {
    const admin = plane.admin();
    const platform = parseAllDocuments(
      fs.readFileSync(path.join(ROOT, 'dist', 'platform.k8s.yaml'), 'utf8'),
    )
      .map((d) => d.toJS() as KubeObject)
      .filter((o) => o !== null);
    const bindings = platform.filter((o) => o.kind === BINDING);
    for (const o of platform.filter((x) => x.kind !== BINDING))
      await must(`apply ${o.kind}/${o.metadata.name}`, admin.apply(o));
    await must('namespace', admin.apply(sandboxNamespace(NAMESPACE)));
    // No controller manager creates it; the ServiceAccount admission plugin needs it.
    await must(
      'service account',
      admin.apply({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: NAMESPACE },
        automountServiceAccountToken: false,
      }),
    );

    const bind = async () => {
      for (const b of bindings) await must(`bind ${b.metadata.name}`, admin.apply(b));
      await waitForPolicies(admin, true);
    };
    const unbind = async () => {
      for (const b of bindings)
        await must(
          `unbind ${b.metadata.name}`,
          admin.request('DELETE', `${collectionPath(b)}/${b.metadata.name}`),
        );
      await waitForPolicies(admin, false);
    };

    await waitForPolicies(admin, false);
    log(`  warm-up: 100 dry-run creates`);
    await dryRunCreates(admin, 100, 0);
    const half = Math.ceil(perCondition / 2);
    const without: number[] = [];
    const withPolicies: number[] = [];
    let offset = 100;
    for (let round = 0; round < 2; round++) {
      log(`  round ${round + 1}: ${half} creates without our policies bound`);
      without.push(...(await dryRunCreates(admin, half, (offset += half))));
      await bind();
      log(`  round ${round + 1}: ${half} creates with the ${bindings.length} bindings`);
      withPolicies.push(...(await dryRunCreates(admin, half, (offset += half))));
      if (round === 0) await unbind();
    }
    return {
      kubernetesVersion: version,
      requests: without.length,
      p50Ms: { with: quantile(withPolicies, 0.5), without: quantile(without, 0.5) },
      p99Ms: { with: quantile(withPolicies, 0.99), without: quantile(without, 0.99) },
    };
  } finally {
    await plane.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
