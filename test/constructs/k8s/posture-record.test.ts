import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { ExampleSandboxChart } from '../../../charts/example-sandbox-chart';
import { SandboxConformanceProbe } from '../../../constructs/k8s/conformance-probe';
import { EvaluationJob } from '../../../constructs/k8s/evaluation-job';
import {
  EvaluationSandbox,
  EvaluationSandboxProps,
} from '../../../constructs/k8s/evaluation-sandbox';
import {
  POSTURE_JOB_LABEL,
  POSTURE_RECORD_KEY,
  POSTURE_RECORD_SCHEMA,
  PostureRecord,
} from '../../../constructs/k8s/posture-record';
import {
  COMPONENT_LABEL,
  EVALUATION_ID_LABEL,
  MODEL_LABEL,
  TASK_LABEL,
} from '../../../constructs/shared/labels';
import { PROBE_IMAGE } from '../../../constructs/shared/probe-image';
import { DEFAULT_USER, PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { ALL_RULES } from '../../../policies/k8s/rules';
import {
  expectSchemaValid,
  expectValidationError,
  K8sObject,
  newChart,
  only,
  synth,
} from '../../support/k8s';

const ROOT = path.resolve(__dirname, '../../..');
const SCHEMA = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'schemas', 'posture-record.v1.json'), 'utf8'),
) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(SCHEMA);
const VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

const IMAGE = `registry.example.com/tasks/swe@sha256:${'f'.repeat(64)}`;

function expectValidRecord(record: unknown): void {
  const ok = validate(record);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

function build(props: Partial<EvaluationSandboxProps> = {}) {
  const chart = newChart();
  const sandbox = new EvaluationSandbox(chart, 'Sandbox', {
    evaluationId: 'run-3',
    task: 'swe-1',
    model: 'model-x',
    image: IMAGE,
    egress: [{ cidr: '10.20.0.0/16', ports: [443] }],
    ...props,
  });
  const objects = () => synth(chart);
  const configMap = () => only(objects(), 'ConfigMap');
  const record = () => JSON.parse(configMap().data[POSTURE_RECORD_KEY]) as K8sObject;
  return { chart, sandbox, objects, configMap, record };
}

describe('PostureRecord', () => {
  describe('GIVEN an EvaluationSandbox with defaults', () => {
    const { configMap, record, objects } = build();

    test('a ConfigMap <job name>-posture beside the Job, labelled with the Job and the evaluation', () => {
      const cm = configMap();
      expect(cm.metadata.name).toBe('eval-run-3-posture');
      expect(cm.metadata.namespace).toBe('sbx-run-3');
      expect(cm.metadata.labels).toMatchObject({
        [POSTURE_JOB_LABEL]: 'eval-run-3',
        [EVALUATION_ID_LABEL]: 'run-3',
        [TASK_LABEL]: 'swe-1',
        [MODEL_LABEL]: 'model-x',
        [COMPONENT_LABEL]: 'posture-record',
      });
      expect(Object.keys(cm.data)).toEqual([POSTURE_RECORD_KEY]);
    });

    test('the record is valid against schemas/posture-record.v1.json', () => {
      expectValidRecord(record());
    });

    test('it records the effective posture field by field', () => {
      const r = record();
      expect(r.schema).toBe(POSTURE_RECORD_SCHEMA);
      expect(r.evaluation).toEqual({ id: 'run-3', task: 'swe-1', model: 'model-x' });
      expect(r.job).toEqual({ name: 'eval-run-3', namespace: 'sbx-run-3' });
      expect(r.runtime).toEqual({
        runtimeClassName: 'gvisor',
        handler: 'runsc',
        priorityClassName: 'eval-sandbox-sandbox',
      });
      expect(r.identity).toEqual({
        serviceAccount: 'evaluator',
        automountServiceAccountToken: false,
      });
      expect(r.limits).toEqual({
        cpu: { millicores: 1000, quantity: '1' },
        memory: { bytes: 2 * 1024 ** 3, quantity: '2048Mi' },
        ephemeralStorage: { bytes: 4 * 1024 ** 3, quantity: '4Gi' },
        scratch: { bytes: 1024 ** 3, quantity: '1024Mi', path: '/tmp', medium: 'Memory' },
        requestsEqualLimits: true,
      });
      expect([r.deadlineSeconds, r.ttlSecondsAfterFinished, r.backoffLimit]).toEqual([
        3600,
        8 * 24 * 3600,
        0,
      ]);
      expect(r.image).toEqual({ ref: IMAGE, digest: `sha256:${'f'.repeat(64)}` });
      expect(r.podSecurity).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilitiesDropped: ['ALL'],
        capabilitiesAdded: [],
        seccompProfile: 'RuntimeDefault',
        hostNetwork: false,
        hostPID: false,
        hostIPC: false,
      });
      expect(r.probe).toBeNull();
    });

    test('network: default deny both ways, the allowlist rules, and no DNS (null)', () => {
      expect(record().network).toEqual({
        defaultDenyIngress: true,
        defaultDenyEgress: true,
        egress: [
          {
            policy: 'allow-egress-1',
            cidr: '10.20.0.0/16',
            except: [],
            ports: [443],
            protocol: 'TCP',
            allPorts: false,
          },
        ],
        dns: null,
      });
    });

    test('network: with allowClusterDns THEN the DNS peer is recorded', () => {
      const chart = newChart();
      const sbx = new EvaluationSandbox(chart, 'Dns', {
        evaluationId: 'run-dns',
        image: IMAGE,
        allowClusterDns: true,
      });
      const text = synth(chart).find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === `${sbx.job.name}-posture`,
      )?.data[POSTURE_RECORD_KEY];
      expect(JSON.parse(text).network.dns).toEqual({
        policy: 'allow-cluster-dns',
        namespace: 'kube-system',
        podLabels: { 'k8s-app': 'kube-dns' },
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      });
    });

    test('policy pack: the package version and the ids of the rules on by default, in pack order', () => {
      expect(record().policyPack).toEqual({
        version: VERSION,
        rules: ALL_RULES.filter((r) => r.enabledByDefault).map((r) => r.id),
      });
      expect(record().policyPack.rules).not.toContain('SBX-X1-no-secrets-in-sandbox');
    });

    test('deterministic: keys sorted at every level, two-space indent, trailing newline, same bytes twice', () => {
      const text: string = configMap().data[POSTURE_RECORD_KEY];
      expect(text.endsWith('}\n')).toBe(true);
      const sortedKeys = (v: unknown): boolean =>
        Array.isArray(v)
          ? v.every(sortedKeys)
          : v !== null && typeof v === 'object'
            ? JSON.stringify(Object.keys(v)) === JSON.stringify(Object.keys(v).sort()) &&
              Object.values(v).every(sortedKeys)
            : true;
      expect(sortedKeys(JSON.parse(text))).toBe(true);
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      expect(build().configMap().data[POSTURE_RECORD_KEY]).toBe(text);
    });

    test('the ConfigMap comes after the Namespace and is valid against the Kubernetes schema', () => {
      const order = objects().map((o) => `${o.kind}/${o.metadata.name}`);
      expect(order.indexOf('Namespace/sbx-run-3')).toBeLessThan(
        order.indexOf('ConfigMap/eval-run-3-posture'),
      );
      expectSchemaValid(objects());
    });

    test('admitted by the policy pack when the platform identity (GitOps) creates it, and on update', () => {
      const evaluator = PolicyEvaluator.forPack();
      const cm = configMap();
      expect(DEFAULT_USER.groups).toContain('eval-sandbox:platform');
      expect(evaluator.evaluate(cm)).toEqual({ admitted: true, violations: [] });
      expect(evaluator.evaluate(cm, { operation: 'UPDATE', oldObject: cm })).toEqual({
        admitted: true,
        violations: [],
      });
    });
  });

  describe('it follows what is emitted, not what was asked for', () => {
    test('GIVEN egress added later with allowEgressTo THEN it is recorded', () => {
      const { sandbox, record } = build({ egress: [] });
      sandbox.allowEgressTo('web', { cidr: '172.16.0.0/12', allowAllPorts: true });
      const r = record();
      expect(r.network.egress).toEqual([
        {
          policy: 'allow-egress-web',
          cidr: '172.16.0.0/12',
          except: [],
          ports: [],
          protocol: null,
          allPorts: true,
        },
      ]);
      expectValidRecord(r);
    });
    test('GIVEN an escape-hatch patch that weakens the Job THEN the record shows it', () => {
      const { sandbox, record } = build();
      ApiObject.of(sandbox.job.job).addJsonPatch(
        JsonPatch.replace('/spec/template/spec/runtimeClassName', 'runc'),
        JsonPatch.replace(
          '/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem',
          false,
        ),
      );
      const r = record();
      expect(r.runtime.runtimeClassName).toBe('runc');
      expect(r.runtime.handler).toBeNull();
      expect(r.podSecurity.readOnlyRootFilesystem).toBe(false);
      expectValidRecord(r);
    });
    test('GIVEN scratchOnDisk THEN the scratch medium is recorded as Disk', () => {
      const r = build({ scratchOnDisk: true }).record();
      expect(r.limits.scratch).toEqual({
        bytes: 1024 ** 3,
        quantity: '1024Mi',
        path: '/tmp',
        medium: 'Disk',
      });
      expectValidRecord(r);
    });
    test('GIVEN an escape-hatch patch that removes the medium THEN the record shows Disk', () => {
      const { sandbox, record } = build();
      sandbox.job.resource.addJsonPatch(
        JsonPatch.remove('/spec/template/spec/volumes/0/emptyDir/medium'),
      );
      expect(record().limits.scratch.medium).toBe('Disk');
    });
    test('GIVEN cpu in millicores THEN both the number and the quantity are recorded', () => {
      const r = build({ cpu: Cpu.millis(1500) }).record();
      expect(r.limits.cpu).toEqual({ millicores: 1500, quantity: '1500m' });
    });
    test('GIVEN no task or model THEN they are null', () => {
      const r = build({ task: undefined, model: undefined }).record();
      expect(r.evaluation).toEqual({ id: 'run-3', task: null, model: null });
      expectValidRecord(r);
    });
  });

  describe('probe', () => {
    test('GIVEN a SandboxConformanceProbe for the sandbox THEN probe names its image and job', () => {
      const { chart, sandbox, record } = build();
      new SandboxConformanceProbe(chart, 'Probe', { sandbox });
      const r = record();
      expect(r.probe).toEqual({ image: PROBE_IMAGE, job: 'conformance-probe', argoCdHook: null });
      expectValidRecord(r);
    });
    test('GIVEN a second probe recorded by hand THEN it throws and says how to fix it', () => {
      const { chart, sandbox } = build();
      new SandboxConformanceProbe(chart, 'Probe', { sandbox });
      expectValidationError(
        () => sandbox.posture.recordProbe(sandbox.job),
        /already recorded for job 'eval-run-3'; create one SandboxConformanceProbe per sandbox/,
      );
    });
  });

  describe('on a standalone EvaluationJob', () => {
    test('GIVEN a PostureRecord added by hand THEN network is null and the chart namespace is used', () => {
      const app = Testing.app();
      const chart = new Chart(app, 'c', { namespace: 'team-a' });
      const job = new EvaluationJob(chart, 'Job', { image: IMAGE, evaluationId: 'solo' });
      const posture = new PostureRecord(chart, 'Posture', { job });
      expect(posture.name).toBe('eval-solo-posture');
      expect(posture.namespace).toBe('team-a');
      const cm = only(synth(chart), 'ConfigMap');
      const r = JSON.parse(cm.data[POSTURE_RECORD_KEY]) as K8sObject;
      expect(r.network).toBeNull();
      expect(r.job).toEqual({ name: 'eval-solo', namespace: 'team-a' });
      expect(r.identity.serviceAccount).toBe('default');
      expectValidRecord(r);
    });
    test('GIVEN no namespace anywhere THEN job.namespace is null', () => {
      const chart = newChart();
      const job = new EvaluationJob(chart, 'Job', { image: IMAGE, evaluationId: 'solo' });
      new PostureRecord(chart, 'Posture', { job });
      const r = JSON.parse(only(synth(chart), 'ConfigMap').data[POSTURE_RECORD_KEY]) as K8sObject;
      expect(r.job.namespace).toBeNull();
      expectValidRecord(r);
    });
  });

  describe('the schema', () => {
    test('GIVEN a record with one field broken THEN the schema refuses it (the check can fail)', () => {
      const good = build().record();
      for (const broken of [
        { ...good, schema: 'eval-sandbox.io/posture-record/v2' },
        { ...good, image: { ...good.image, digest: 'latest' } },
        { ...good, limits: { ...good.limits, cpu: { millicores: '1000', quantity: '1' } } },
        {
          ...good,
          limits: { ...good.limits, scratch: { ...good.limits.scratch, medium: 'Tmpfs' } },
        },
        {
          ...good,
          limits: {
            ...good.limits,
            scratch: Object.fromEntries(
              Object.entries(good.limits.scratch as K8sObject).filter(([k]) => k !== 'medium'),
            ),
          },
        },
        { ...good, extra: true },
        Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'policyPack')),
      ]) {
        expect(validate(broken)).toBe(false);
      }
    });
  });

  describe('the example chart', () => {
    const chart = new ExampleSandboxChart(Testing.app(), 'example-sandboxes');
    const objects = synth(chart as unknown as Chart);
    const records = objects.filter((o) => o.kind === 'ConfigMap');

    test('both examples carry a valid record, and the committed dist/ holds the same', () => {
      expect(records.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
        'sbx-swe-0001/eval-swe-0001-posture',
        'sbx-ctf-0002/eval-ctf-0002-posture',
      ]);
      for (const cm of records) expectValidRecord(JSON.parse(cm.data[POSTURE_RECORD_KEY]));
      const dist = parseAllDocuments(
        fs.readFileSync(path.join(ROOT, 'dist', 'example-sandboxes.k8s.yaml'), 'utf8'),
      )
        .map((d) => d.toJS() as K8sObject)
        .filter((o) => o?.kind === 'ConfigMap');
      expect(dist.map((o) => o.data[POSTURE_RECORD_KEY])).toEqual(
        records.map((o) => o.data[POSTURE_RECORD_KEY]),
      );
    });

    test('the records show the swe allowlist and no egress for ctf', () => {
      const [swe, ctf] = records.map((o) => JSON.parse(o.data[POSTURE_RECORD_KEY]) as K8sObject);
      expect(swe.network.egress.map((e: K8sObject) => [e.cidr, e.ports])).toEqual([
        ['10.20.0.0/16', [443]],
      ]);
      expect(ctf.network.egress).toEqual([]);
      expect(ctf.limits.cpu).toEqual({ millicores: 1500, quantity: '1500m' });
      expect([swe.image.ref, ctf.image.ref]).toEqual([PROBE_IMAGE, PROBE_IMAGE]);
    });
  });
});
