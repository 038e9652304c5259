import { Testing } from 'cdk8s';
import {
  expectSchemaValid,
  schemaErrors,
  synth,
  newChart,
  K8sObject,
  only,
} from '../../support/k8s';
import { EvaluationSandbox } from '../../../constructs/k8s/evaluation-sandbox';
import { GvisorRuntimeClass } from '../../../constructs/k8s/gvisor-runtime-class';
import { EvaluatorRbac } from '../../../constructs/k8s/evaluator-rbac';
import { User } from 'cdk8s-plus-28';

const IMAGE = `registry.example.com/t/task@sha256:${'a'.repeat(64)}`;

function everything(): K8sObject[] {
  const chart = newChart();
  new GvisorRuntimeClass(chart, 'RuntimeClass');
  new EvaluatorRbac(chart, 'Rbac');
  const sbx = new EvaluationSandbox(chart, 'Sandbox', {
    evaluationId: 'run-1',
    image: IMAGE,
    egress: [
      { cidr: '10.0.0.0/8', ports: [443] },
      { cidr: 'fd00:ec2::/32', allowAllPorts: true },
    ],
    allowClusterDns: true,
    egressDomains: ['pypi.org', '*.githubusercontent.com'],
    egressDomainPorts: [443, 80],
    egressGatewayImage: `registry.example.com/egress-gateway@sha256:${'b'.repeat(64)}`,
  });
  sbx.grantRunEvaluations(User.fromName(chart, 'Runner', 'runner'));
  sbx.grantAudit(User.fromName(chart, 'Auditor', 'auditor'));
  return synth(chart);
}

describe('Kubernetes schema validation', () => {
  test('GIVEN every construct WHEN synthesized THEN every object is valid against the API schema', () => {
    const objects = everything();
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set([
        'RuntimeClass',
        'ClusterRole',
        'Namespace',
        'ResourceQuota',
        'LimitRange',
        'NetworkPolicy',
        'RoleBinding',
        'ServiceAccount',
        'Job',
        'ConfigMap',
        'Pod',
        'Service',
      ]),
    );
    expectSchemaValid(objects);
  });

  test.each([
    [
      'a wrong type',
      (j: K8sObject) => (j.spec.template.spec.runtimeClassName = 42),
      /runtimeClassName must be string/,
    ],
    [
      'an invalid quantity',
      (j: K8sObject) => (j.spec.template.spec.containers[0].resources.limits.memory = '2 gigs'),
      /memory must match format "quantity"/,
    ],
    [
      'a non-integer field',
      (j: K8sObject) => (j.spec.activeDeadlineSeconds = 'soon'),
      /activeDeadlineSeconds must be integer/,
    ],
    [
      'an invalid enum value',
      (j: K8sObject) => (j.spec.podFailurePolicy.rules[0].action = 'Retry'),
      /action must be equal to one of the allowed values/,
    ],
    [
      'a missing required field',
      (j: K8sObject) => delete j.spec.template,
      /must have required property template/,
    ],
  ])('GIVEN a Job with %s WHEN validated THEN the schema rejects it', (_what, corrupt, message) => {
    const job = structuredClone(only(everything(), 'Job'));
    expect(schemaErrors(job)).toBeUndefined();
    corrupt(job);
    expect(schemaErrors(job)).toMatch(message);
  });

  test('GIVEN an object of a kind the schema does not know WHEN validated THEN it fails instead of passing', () => {
    expect(
      schemaErrors({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toMatch(/Widget/);
  });

  test('GIVEN a wrong field in a RuntimeClass WHEN validated THEN it fails', () => {
    const chart = Testing.chart();
    new GvisorRuntimeClass(chart, 'RuntimeClass');
    const rc = structuredClone(only(synth(chart), 'RuntimeClass'));
    rc.scheduling.tolerations = 'all';
    expect(schemaErrors(rc)).toMatch(/tolerations must be array/);
  });
});
