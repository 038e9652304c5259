import { Duration } from 'cdk8s';
import { SandboxJanitor } from '../../../constructs/k8s/sandbox-janitor';
import { janitorScript } from '../../../constructs/k8s/janitor-script';
import { POD_SECURITY_LABELS, SANDBOX_NAMESPACE_LABEL } from '../../../constructs/shared/labels';
import { PLATFORM_NAMESPACE } from '../../../constructs/shared/platform';
import {
  expectSchemaValid,
  expectValidationError,
  K8sObject,
  newChart,
  only,
  synth,
} from '../../support/k8s';

const IMAGE = `registry.example.com/t/kubectl@sha256:${'b'.repeat(64)}`;

function build(props: Partial<ConstructorParameters<typeof SandboxJanitor>[2]> = {}) {
  const chart = newChart();
  const janitor = new SandboxJanitor(chart, 'Janitor', { image: IMAGE, ...props });
  const objects = synth(chart);
  const cron = only(objects, 'CronJob');
  return {
    janitor,
    objects,
    cron,
    pod: cron.spec.jobTemplate.spec.template.spec as K8sObject,
    env: Object.fromEntries(
      (cron.spec.jobTemplate.spec.template.spec.containers[0].env as K8sObject[]).map((e) => [
        e.name,
        e.value,
      ]),
    ),
  };
}

describe('SandboxJanitor', () => {
  test('GIVEN only an image THEN the defaults: every 10 minutes, 1 h grace, 7 days of dead letters, eval-sandbox-system', () => {
    const { janitor, cron, env } = build();
    expect(janitor.schedule).toBe('*/10 * * * *');
    expect(cron.spec.schedule).toBe('*/10 * * * *');
    expect(janitor.gracePeriod.toSeconds()).toBe(3600);
    expect(janitor.deadLetterRetention.toSeconds()).toBe(7 * 24 * 3600);
    expect(env).toMatchObject({ GRACE_SECONDS: '3600', RETENTION_SECONDS: '604800' });
    expect(janitor.namespace).toBe(PLATFORM_NAMESPACE);
    expect(cron.metadata.namespace).toBe(PLATFORM_NAMESPACE);
    expect(janitor.username).toBe('system:serviceaccount:eval-sandbox-system:sandbox-janitor');
  });

  test('THEN its namespace is Pod Security restricted (enforce, audit, warn)', () => {
    const ns = only(build().objects, 'Namespace');
    expect(ns.metadata.name).toBe(PLATFORM_NAMESPACE);
    for (const key of [
      POD_SECURITY_LABELS.enforce,
      POD_SECURITY_LABELS.audit,
      POD_SECURITY_LABELS.warn,
    ]) {
      expect(ns.metadata.labels[key]).toBe('restricted');
    }
    expect(ns.metadata.labels[POD_SECURITY_LABELS.enforceVersion]).toMatch(/^v1\.[0-9]+$/);
  });

  test('THEN the CronJob is bounded: Forbid, deadlines, history limits, no retries', () => {
    const { cron } = build();
    expect(cron.spec).toMatchObject({
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
    });
    expect(cron.spec.jobTemplate.spec).toMatchObject({
      activeDeadlineSeconds: 300,
      backoffLimit: 0,
    });
  });

  test('THEN the pod runs under the sandbox posture', () => {
    const { pod } = build();
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.resources.limits).toEqual(c.resources.requests);
    expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
    expect(c.image).toBe(IMAGE);
    expect(c.command).toEqual(['/bin/sh', '/janitor/janitor.sh']);
  });

  test('THEN no token is automounted; a ten-minute projected token is mounted where kubectl looks', () => {
    const { objects, pod } = build();
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    const token = (pod.volumes as K8sObject[]).find((v) => v.name === 'token');
    expect(token?.projected.sources[0].serviceAccountToken).toEqual({
      path: 'token',
      expirationSeconds: 600,
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'token',
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      readOnly: true,
    });
  });

  test('THEN the ConfigMap carries the script', () => {
    expect(only(build().objects, 'ConfigMap').data['janitor.sh']).toBe(janitorScript());
  });

  test('THEN RBAC is exactly: get and list namespaces, list Jobs, delete and patch namespaces', () => {
    const { objects } = build();
    expect(only(objects, 'ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'delete', 'patch'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['list'] },
    ]);
    expect(only(objects, 'ClusterRoleBinding').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'sandbox-janitor', namespace: PLATFORM_NAMESPACE },
    ]);
  });

  test('THEN an admission policy, bound with Deny, confines the janitor to sandbox namespaces', () => {
    const { objects, janitor } = build();
    const vap = only(objects, 'ValidatingAdmissionPolicy');
    const binding = only(objects, 'ValidatingAdmissionPolicyBinding');
    expect(binding.spec).toEqual({ policyName: vap.metadata.name, validationActions: ['Deny'] });
    expect(vap.spec.failurePolicy).toBe('Fail');
    expect(vap.spec.matchConstraints.resourceRules[0].operations).toEqual(['UPDATE', 'DELETE']);
    expect(vap.spec.matchConditions[0].expression).toContain(`'${janitor.username}'`);
    expect(vap.spec.validations[0].expression).toContain(`'${SANDBOX_NAMESPACE_LABEL}'`);
  });

  test('GIVEN options THEN they reach the script environment', () => {
    const { env, cron } = build({
      schedule: '0 * * * *',
      gracePeriod: Duration.minutes(30),
      deadLetterRetention: Duration.days(1),
    });
    expect(cron.spec.schedule).toBe('0 * * * *');
    expect(env).toMatchObject({ GRACE_SECONDS: '1800', RETENTION_SECONDS: '86400' });
  });

  test.each([
    ['a tag-only image', { image: 'bitnami/kubectl:latest' }, /pinned by digest/],
    ['a bad schedule', { schedule: 'hourly' }, /five-field cron/],
    ['a grace period under a minute', { gracePeriod: Duration.seconds(5) }, /gracePeriod/],
    [
      'a retention under an hour',
      { deadLetterRetention: Duration.minutes(5) },
      /deadLetterRetention/,
    ],
    ['a sandbox namespace', { namespace: 'sbx-janitor' }, /must not run in a sandbox/],
  ])('GIVEN %s THEN a validation error', (_name, props, message) => {
    expectValidationError(() => build(props), message);
  });

  test('THEN every object passes the Kubernetes schema check', () => {
    expectSchemaValid(build().objects);
  });

  test('snapshot', () => {
    expect(build().objects).toMatchSnapshot();
  });
});
