import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments, parse } from 'yaml';
import { synthesize, buildApp } from '../../charts/app';
import { ExampleSandboxChart } from '../../charts/example-sandbox-chart';
import { PlatformChart } from '../../charts/platform-chart';
import { SandboxConformanceProbe } from '../../constructs/k8s/conformance-probe';
import { GvisorRuntimeClass } from '../../constructs/k8s/gvisor-runtime-class';
import { cpuMillis } from '../../constructs/k8s/internal';
import { PROBE_IMAGE } from '../../constructs/shared/probe-image';
import { EvaluationSandbox } from '../../constructs/k8s/evaluation-sandbox';
import { ValidationError } from '../../constructs/shared/errors';
import { PolicyEvaluator } from '../../policies/k8s/evaluate';
import { policyName } from '../../policies/k8s/pack';
import { ALL_RULES } from '../../policies/k8s/rules';
import { expectSchemaValid, K8sObject } from '../support/k8s';

const ROOT = path.resolve(__dirname, '../..');

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-synth-'));
}

/** Every file under `dir`, as sorted relative paths. */
function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function readObjects(dir: string, file: string): K8sObject[] {
  return parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))
    .map((d) => d.toJS() as K8sObject)
    .filter((o) => o !== null);
}

describe('charts', () => {
  const out = path.join(tmp(), 'dist');
  const entries = synthesize(out);
  // Every manifest: one per chart, and one per evaluation rendered from evaluations/.
  const files = listFiles(out).filter((f) => f.endsWith('.k8s.yaml'));

  test('GIVEN the app WHEN synthesized THEN one manifest file per chart is written, and evaluations/ rendered', () => {
    expect(entries).toEqual(['evaluations', 'example-sandboxes.k8s.yaml', 'platform.k8s.yaml']);
    expect(files).toEqual([
      'evaluations/ctf-0001/sandbox.k8s.yaml',
      'evaluations/swe-0001/sandbox.k8s.yaml',
      'example-sandboxes.k8s.yaml',
      'platform.k8s.yaml',
    ]);
  });

  test('the platform chart holds the RuntimeClass, the PriorityClass, the two ClusterRoles, the default policy pack, the janitor and the kube-system baseline', () => {
    const objects = readObjects(out, 'platform.k8s.yaml');
    expect(objects.slice(0, 4).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'RuntimeClass/gvisor',
      'PriorityClass/eval-sandbox-sandbox',
      'ClusterRole/eval-sandbox:runner',
      'ClusterRole/eval-sandbox:auditor',
    ]);
    const janitor = 'eval-sandbox-sandbox-janitor';
    const defaultRules = ALL_RULES.filter((r) => r.enabledByDefault).map((r) => policyName(r));
    const policies = objects
      .filter((o) => o.kind === 'ValidatingAdmissionPolicy')
      .map((o) => o.metadata.name);
    const bindings = objects
      .filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding')
      .map((o) => o.spec.policyName);
    expect(policies).toEqual([...defaultRules, janitor, `${janitor}-marks`]);
    expect(bindings).toEqual([...defaultRules, janitor, `${janitor}-marks`]);
    expect(
      objects.slice(4 + 2 * defaultRules.length).map((o) => `${o.kind}/${o.metadata.name}`),
    ).toEqual([
      'Namespace/eval-sandbox-system',
      'ServiceAccount/sandbox-janitor',
      'ClusterRole/eval-sandbox:sandbox-janitor',
      'ClusterRoleBinding/eval-sandbox:sandbox-janitor',
      'ConfigMap/sandbox-janitor',
      'CronJob/sandbox-janitor',
      'NetworkPolicy/sandbox-janitor',
      `ValidatingAdmissionPolicy/${janitor}`,
      `ValidatingAdmissionPolicyBinding/${janitor}`,
      `ValidatingAdmissionPolicy/${janitor}-marks`,
      `ValidatingAdmissionPolicyBinding/${janitor}-marks`,
      'NetworkPolicy/eval-sandbox-kube-system-default-deny',
      'NetworkPolicy/eval-sandbox-coredns',
      'NetworkPolicy/eval-sandbox-ebs-csi-controller',
      'NetworkPolicy/eval-sandbox-ebs-csi-node',
    ]);
  });

  test('everything the charts synthesize passes the policy pack with zero findings', () => {
    const evaluator = PolicyEvaluator.forPack();
    for (const file of files) {
      for (const o of readObjects(out, file)) {
        const id = `${o.kind}/${o.metadata.name}`;
        expect({ id, ...evaluator.evaluate(o) }).toEqual({ id, admitted: true, violations: [] });
      }
    }
  });

  test('the example chart holds two sandboxes, each with its own namespace and job', () => {
    const objects = readObjects(out, 'example-sandboxes.k8s.yaml');
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([
      'sbx-swe-0001',
      'sbx-ctf-0002',
    ]);
    const jobs = objects.filter((o) => o.kind === 'Job');
    expect(jobs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'sbx-swe-0001/eval-swe-0001',
      'sbx-ctf-0002/eval-ctf-0002',
    ]);
  });

  test('every namespaced object comes after its Namespace, so `kubectl apply -f` works in one pass', () => {
    for (const file of files) {
      const seen = new Set<string>();
      for (const o of readObjects(out, file)) {
        if (o.kind === 'Namespace') seen.add(o.metadata.name);
        else if (o.metadata.namespace && o.metadata.namespace.startsWith('sbx-'))
          expect(seen).toContain(o.metadata.namespace);
      }
    }
  });

  test('every synthesized object is valid against the Kubernetes schema', () => {
    for (const file of files) expectSchemaValid(readObjects(out, file));
  });

  test('output is deterministic: a second synth is byte-identical', () => {
    const again = path.join(tmp(), 'dist');
    synthesize(again);
    for (const file of files) {
      expect(fs.readFileSync(path.join(again, file), 'utf8')).toBe(
        fs.readFileSync(path.join(out, file), 'utf8'),
      );
    }
  });

  test('the committed dist/ is what the charts synthesize today (run `npm run synth` after a change)', () => {
    expect(listFiles(path.join(ROOT, 'dist'))).toEqual(listFiles(out));
    for (const file of listFiles(out)) {
      expect(fs.readFileSync(path.join(ROOT, 'dist', file), 'utf8')).toBe(
        fs.readFileSync(path.join(out, file), 'utf8'),
      );
    }
  });
});

describe('the example sandboxes run the conformance probe', () => {
  const chart = new ExampleSandboxChart(new App(), 'example-sandboxes');
  const [swe, ctf] = chart.sandboxes;
  const env = (sandbox: EvaluationSandbox): Record<string, string> =>
    Object.fromEntries(
      (
        (sandbox.job.resource.toJson() as K8sObject).spec.template.spec.containers[0]
          .env as K8sObject[]
      ).map((e) => [e.name, e.value]),
    );

  test('GIVEN each example THEN it runs the pinned probe image with `check`', () => {
    for (const sandbox of chart.sandboxes) {
      expect(sandbox.job.image).toBe(PROBE_IMAGE);
      const container = (sandbox.job.resource.toJson() as K8sObject).spec.template.spec
        .containers[0];
      expect(container.args).toEqual(['check']);
    }
  });

  test("GIVEN each example THEN its expectations are its own job's cpu, memory and scratch path", () => {
    for (const sandbox of chart.sandboxes) {
      const expected = SandboxConformanceProbe.environmentForJob(sandbox.job);
      for (const key of ['PROBE_EXPECT_CPU_MILLIS', 'PROBE_EXPECT_MEMORY_BYTES', 'PROBE_SCRATCH'])
        expect([key, env(sandbox)[key]]).toEqual([key, expected[key]]);
    }
  });

  test('the swe example must reach its mirror stand-in and not the outside one; ctf reaches neither', () => {
    expect(env(swe)).toMatchObject({
      PROBE_ALLOWED: '10.20.0.10:443',
      PROBE_DNS_OUTSIDE: '10.30.0.53:53',
    });
    expect(env(swe).PROBE_BLOCKED.split(',').slice(-1)).toEqual(['10.30.0.10:443']);
    expect(env(ctf).PROBE_ALLOWED).toBeUndefined();
    expect(env(ctf).PROBE_BLOCKED.split(',').slice(-2)).toEqual([
      '10.20.0.10:443',
      '10.30.0.10:443',
    ]);
    expect(env(ctf).PROBE_DNS_OUTSIDE).toBe('10.30.0.53:53');
  });

  test('GIVEN a 2-CPU node THEN each example fits with the gVisor pod overhead', () => {
    const overhead = cpuMillis(
      new GvisorRuntimeClass(new Chart(new App(), 'rc'), 'Rc').overheadCpu,
    );
    for (const sandbox of chart.sandboxes)
      expect(cpuMillis(sandbox.job.cpu) + overhead).toBeLessThanOrEqual(2000);
    expect(cpuMillis(ctf.job.cpu)).toBe(1500);
  });
});

describe('all-or-nothing synthesis', () => {
  test('GIVEN a chart with invalid input WHEN synthesized THEN it throws and the previous output is left as it was', () => {
    const out = path.join(tmp(), 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'previous.k8s.yaml'), 'kept: true\n');

    const broken = (outdir: string): App => {
      const app = buildApp(outdir);
      new EvaluationSandbox(new Chart(app, 'broken'), 'Bad', {
        evaluationId: 'x',
        image: 'busybox:latest',
      });
      return app;
    };

    expect(() => synthesize(out, broken)).toThrow(ValidationError);
    expect(fs.readdirSync(out)).toEqual(['previous.k8s.yaml']);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('GIVEN a failing whole-tree validation WHEN synthesized THEN nothing is written', () => {
    const out = path.join(tmp(), 'dist');
    const failing = (outdir: string): App => {
      const app = buildApp(outdir);
      new Chart(app, 'late').node.addValidation({ validate: () => ['late failure'] });
      return app;
    };
    expect(() => synthesize(out, failing)).toThrow(/late failure/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });
});

describe('entry points', () => {
  test('the app command in cdk8s.yaml writes the manifests into CDK8S_OUTDIR', () => {
    const config = parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')) as {
      app: string;
      output: string;
    };
    // Never dist/: the cdk8s CLI deletes its output folder before the app runs.
    expect(config.output).toBe('cdk8s.out');
    const out = path.join(tmp(), 'out');
    const [cmd, ...args] = config.app.split(' ');
    const stdout = execFileSync(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, CDK8S_OUTDIR: out },
      encoding: 'utf8',
    });
    expect(stdout).toContain(
      `wrote ${out}/: evaluations, example-sandboxes.k8s.yaml, platform.k8s.yaml`,
    );
    expect(fs.readdirSync(out).sort()).toEqual([
      'evaluations',
      'example-sandboxes.k8s.yaml',
      'platform.k8s.yaml',
    ]);
  }, 60_000);

  test('the compiled app (lib/charts/main.js, as the bench runs it) finds evaluations/ too', () => {
    const out = path.join(tmp(), 'out');
    execFileSync(process.execPath, [path.join(ROOT, 'lib', 'charts', 'main.js')], {
      cwd: ROOT,
      env: { ...process.env, CDK8S_OUTDIR: out },
      encoding: 'utf8',
    });
    expect(fs.readdirSync(path.join(out, 'evaluations')).sort()).toEqual([
      'ctf-0001',
      'kustomization.yaml',
      'swe-0001',
    ]);
  }, 60_000);
});

describe('the platform chart with Karpenter', () => {
  test('GIVEN karpenter props THEN the NodePool, the EC2NodeClass and the controller’s kube-system policy are added; without, none', () => {
    const kinds = (props: ConstructorParameters<typeof PlatformChart>[2]) =>
      Testing.synth(new PlatformChart(Testing.app(), 'platform', props)).map(
        (o) => `${o.kind}/${o.metadata.name}`,
      );
    const withKarpenter = kinds({
      karpenter: {
        clusterName: 'eval-sandbox-dev',
        nodeRole: 'eval-sandbox-dev-karpenter-node',
        volumeKmsKeyArn: 'arn:aws:kms:eu-west-2:123456789012:key/k',
        release: '20251110',
        mirror: 's3://eval-sandbox-runsc-mirror/gvisor',
      },
    });
    expect(withKarpenter).toEqual(
      expect.arrayContaining([
        'NodePool/gvisor',
        'EC2NodeClass/gvisor',
        'NetworkPolicy/eval-sandbox-karpenter',
      ]),
    );
    const without = kinds({});
    expect(without.filter((k) => /NodePool|EC2NodeClass|karpenter/.test(k))).toEqual([]);
  });
});
