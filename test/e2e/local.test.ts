import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadKubeconfig } from '../../cli/kubeconfig';
import { alive } from '../../cli/local/commands';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import { sandboxNamespace, workload } from '../../policies/k8s/fixtures/workloads';
import { buildPolicyPack } from '../../policies/k8s/pack';
import { Testing } from 'cdk8s';
import { PlatformChart } from '../../charts/platform-chart';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'eval-sandbox.js');

function cli(...args: string[]) {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'cli', 'main.js'))) {
    throw new Error(
      'lib/cli/main.js is missing: run `npm run build` first (npm test does it for you)',
    );
  }
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
}

/** How many ValidatingAdmissionPolicies the platform chart applies. */
function platformPolicies(): number {
  return Testing.synth(new PlatformChart(Testing.app(), 'platform')).filter(
    (o) => o.kind === 'ValidatingAdmissionPolicy',
  ).length;
}

/** A client from the kubeconfig `local up` wrote, read by the CLI's own kubeconfig loader. */
async function clientOf(kubeconfigPath: string): Promise<KubeClient> {
  return new KubeClient(await loadKubeconfig({ kubeconfig: kubeconfigPath }));
}

describe('eval-sandbox local up | status | down', () => {
  const stateDir = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-local-')),
    'state',
  );

  afterAll(() => {
    cli('local', 'down', '--state-dir', stateDir);
  });

  test(
    'up starts a control plane with the platform applied and writes a kubeconfig; down removes it all',
    async () => {
      const up = cli('local', 'up', '--state-dir', stateDir);
      expect(up.stderr).toMatch(/\[local\] control plane ready/);
      expect(up.status).toBe(0);
      const kubeconfigPath = path.join(stateDir, 'kubeconfig');
      expect(up.stdout).toContain(`kubeconfig (platform identity): ${kubeconfigPath}`);
      // The pack's policies and the janitor's two (its confinement and its failure record).
      const policies = platformPolicies();
      expect(policies).toBe(buildPolicyPack().length + 2);
      expect(up.stdout).toContain(
        'applied the platform: RuntimeClass gvisor, PriorityClass eval-sandbox-sandbox, the runner and auditor roles, ' +
          `${policies} admission policies`,
      );

      const status = cli('local', 'status', '--state-dir', stateDir);
      expect(status.status).toBe(0);
      expect(status.stdout).toMatch(/^running: https:\/\/127\.0\.0\.1:\d+, 3 of 3 processes alive/);

      // The kubeconfig works, and the cluster gives the real admission answer.
      const client = await clientOf(kubeconfigPath);
      // A sandbox namespace must be Pod Security restricted at a pinned version (SBX-B3).
      const ns = await client.apply(sandboxNamespace('sbx-try'));
      expect(ns.status).toBeLessThan(300);
      const weak = workload('Job', 'weak');
      weak.spec.template.spec.containers[0].image = 'busybox:latest';
      const deadline = Date.now() + 60_000;
      let res = await client.create(weak, { dryRun: true, namespace: 'sbx-try' });
      while (res.status < 300 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        res = await client.create(weak, { dryRun: true, namespace: 'sbx-try' });
      }
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/image: must be pinned by digest .*\[SBX-R2-image-digest\]/);

      const pids: number[] = JSON.parse(
        fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8'),
      ).pids;
      const down = cli('local', 'down', '--state-dir', stateDir);
      expect(down.status).toBe(0);
      expect(down.stdout).toBe(`stopped 3 processes and removed ${stateDir}\n`);
      expect(pids.filter(alive)).toEqual([]);
      expect(fs.existsSync(stateDir)).toBe(false);
      expect(cli('local', 'status', '--state-dir', stateDir).status).toBe(1);
    },
    30 * 60_000,
  );

  test(
    'up refuses to start a second control plane over a running one',
    () => {
      const first = cli('local', 'up', '--state-dir', stateDir);
      expect(first.status).toBe(0);
      const second = cli('local', 'up', '--state-dir', stateDir);
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(
        `already runs (state in ${stateDir}); run 'eval-sandbox local down --state-dir ${stateDir}' first`,
      );
    },
    30 * 60_000,
  );

  test(
    'up --node adds a worker node pods run on; down stops it and removes its link and cgroups',
    async () => {
      const nodeState = path.join(path.dirname(stateDir), 'node-state');
      const up = cli('local', 'up', '--node', '--state-dir', nodeState);
      expect(up.stderr).toMatch(/\[local\] node ready/);
      expect(up.status).toBe(0);
      expect(up.stdout).toMatch(
        /^local cluster: https:\/\/10\.250\.\d+\.\d+:\d+, one worker node \(eval-sandbox-node\) labelled and tainted like the gVisor pool/,
      );
      expect(up.stdout).toContain(
        `kubeconfig (platform identity): ${path.join(nodeState, 'kubeconfig')}`,
      );

      const status = cli('local', 'status', '--state-dir', nodeState);
      expect(status.status).toBe(0);
      // etcd, kube-apiserver, kube-controller-manager, the node's namespaces, kube-scheduler
      expect(status.stdout).toMatch(
        /^running: https:\/\/10\.250\.[\d.]+:\d+, 5 of 5 processes alive/,
      );

      const client = await clientOf(path.join(nodeState, 'kubeconfig'));
      const node = await client.request('GET', '/api/v1/nodes/eval-sandbox-node');
      expect(
        node.body.status.conditions.find((c: { type: string }) => c.type === 'Ready').status,
      ).toBe('True');

      const { ifname, cgroupRoot } = JSON.parse(
        fs.readFileSync(path.join(nodeState, 'node.json'), 'utf8'),
      );
      expect(spawnSync('ip', ['link', 'show', ifname]).status).toBe(0);
      expect(fs.existsSync(path.join('/sys/fs/cgroup/memory', cgroupRoot))).toBe(true);
      const pids: number[] = JSON.parse(
        fs.readFileSync(path.join(nodeState, 'state.json'), 'utf8'),
      ).pids;

      const down = cli('local', 'down', '--state-dir', nodeState);
      expect(down.stderr).toBe('');
      expect(down.status).toBe(0);
      expect(pids.filter(alive)).toEqual([]);
      expect(spawnSync('ip', ['link', 'show', ifname]).status).not.toBe(0);
      expect(
        fs
          .readdirSync('/sys/fs/cgroup')
          .filter((c) => fs.existsSync(path.join('/sys/fs/cgroup', c, cgroupRoot))),
      ).toEqual([]);
      expect(fs.existsSync(nodeState)).toBe(false);
    },
    45 * 60_000,
  );

  test(
    'posture reads a real record through the kubeconfig, then joins the probe report of the newest finished pod',
    async () => {
      const state = path.join(path.dirname(stateDir), 'posture-state');
      try {
        expect(cli('local', 'up', '--state-dir', state).status).toBe(0);
        const kubeconfigPath = path.join(state, 'kubeconfig');
        const client = await clientOf(kubeconfigPath);
        const sandbox = parseAllDocuments(
          fs.readFileSync(path.join(ROOT, 'dist', 'example-sandboxes.k8s.yaml'), 'utf8'),
        )
          .map((d) => d.toJSON() as KubeObject)
          .filter(
            (o) => o.metadata.name === 'sbx-swe-0001' || o.metadata.namespace === 'sbx-swe-0001',
          );
        for (const o of sandbox) {
          const res = await client.apply(o);
          expect(
            `${o.kind}/${o.metadata.name}: ${res.status < 300 ? 'applied' : res.body.message}`,
          ).toBe(`${o.kind}/${o.metadata.name}: applied`);
        }
        const job = sandbox.find((o) => o.kind === 'Job') as KubeObject;
        const ns = job.metadata.namespace as string;
        const posture = (...args: string[]) =>
          cli('posture', `${ns}/${job.metadata.name}`, '--kubeconfig', kubeconfigPath, ...args);

        // The Job runs the probe image; no pod has finished (this control plane runs no Job controller).
        const before = posture();
        expect(before.status).toBe(0);
        expect(before.stderr).toMatch(/has not finished \(no pods/);
        const output = JSON.parse(before.stdout);
        expect(output.probe).toBeNull();
        expect(output.record.job).toEqual({ name: job.metadata.name, namespace: ns });

        // A pod of the Job that finished with a probe report, as the kubelet would report it.
        const finish = async (name: string, finishedAt: string, failing: string[]) => {
          const pod = {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name,
              namespace: ns,
              labels: {
                ...job.spec.template.metadata.labels,
                'batch.kubernetes.io/job-name': job.metadata.name,
              },
            },
            // Not created by the Job controller, so it bounds its own runtime (SBX-R7).
            spec: {
              ...job.spec.template.spec,
              activeDeadlineSeconds: job.spec.activeDeadlineSeconds,
            },
          };
          const created = await client.create(pod);
          expect(created.body.message).toBeUndefined();
          const container = job.spec.template.spec.containers[0];
          const report = {
            probe: 'eval-sandbox-conformance',
            version: 1,
            ok: failing.length === 0,
            checks: ['gvisor', 'non-root'].map((c) => ({
              name: c,
              ok: !failing.includes(c),
              detail: c,
            })),
          };
          const withStatus = {
            ...created.body,
            status: {
              phase: failing.length === 0 ? 'Succeeded' : 'Failed',
              containerStatuses: [
                {
                  name: container.name,
                  image: container.image,
                  imageID: container.image,
                  ready: false,
                  restartCount: 0,
                  state: {
                    terminated: {
                      exitCode: failing.length === 0 ? 0 : 1,
                      reason: failing.length === 0 ? 'Completed' : 'Error',
                      startedAt: '2030-01-01T00:00:00Z',
                      finishedAt,
                      message: JSON.stringify(report),
                    },
                  },
                },
              ],
            },
          };
          const res = await client.request(
            'PUT',
            `/api/v1/namespaces/${ns}/pods/${name}/status`,
            withStatus,
          );
          expect(res.body.message).toBeUndefined();
          expect(res.status).toBe(200);
        };

        await finish(`${job.metadata.name}-pass`, '2030-01-01T00:01:00Z', []);
        const passed = posture();
        expect(passed.stderr).toBe('');
        expect(passed.status).toBe(0);
        expect(JSON.parse(passed.stdout).probe).toMatchObject({
          job: job.metadata.name,
          pod: `${job.metadata.name}-pass`,
          exitCode: 0,
          ok: true,
        });

        await finish(`${job.metadata.name}-fail`, '2030-01-01T00:02:00Z', ['gvisor']);
        const failed = posture('--output', 'text');
        expect(failed.status).toBe(1);
        expect(failed.stdout).toContain(`probe: FAILED (pod ${job.metadata.name}-fail`);
        expect(failed.stdout).toContain('  failed gvisor: gvisor');
        expect(failed.stderr).toMatch(/failed: gvisor;/);

        const missing = cli('posture', `${ns}/no-such-job`, '--kubeconfig', kubeconfigPath);
        expect(missing.status).toBe(1);
        expect(missing.stderr).toMatch(
          /no posture record \(ConfigMap sbx-swe-0001\/no-such-job-posture not found\)/,
        );
      } finally {
        cli('local', 'down', '--state-dir', state);
      }
    },
    30 * 60_000,
  );
});
