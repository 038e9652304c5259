import { Duration } from 'cdk8s';
import { SandboxJanitor } from '../../../constructs/k8s/sandbox-janitor';
import { janitorScript } from '../../../constructs/k8s/janitor-script';
import { JANITOR_IMAGE } from '../../../constructs/shared/janitor-image';
import {
  POD_SECURITY_LABELS,
  SANDBOX_FAILED_AT_ANNOTATION,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_OUTCOME_LABEL,
} from '../../../constructs/shared/labels';
import {
  JANITOR_MAX_INTERVAL_MINUTES,
  MIN_TTL_AFTER_FINISHED_SECONDS,
  PLATFORM_NAMESPACE,
} from '../../../constructs/shared/platform';
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
  test('GIVEN only an image THEN the defaults: every 5 minutes, 1 h grace, 7 days of dead letters, eval-sandbox-system', () => {
    const { janitor, cron, env } = build();
    expect(janitor.interval.toMinutes()).toBe(5);
    expect(janitor.schedule).toBe('*/5 * * * *');
    expect(cron.spec.schedule).toBe('*/5 * * * *');
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
    // A run ends before the next is due, so Forbid never skips one for a slow run.
    expect(cron.spec.jobTemplate.spec).toMatchObject({
      activeDeadlineSeconds: 270,
      backoffLimit: 0,
    });
  });

  test('GIVEN no image THEN the project’s own janitor image, pinned by digest', () => {
    const chart = newChart();
    const janitor = new SandboxJanitor(chart, 'Janitor');
    expect(janitor.image).toBe(JANITOR_IMAGE);
    expect(JANITOR_IMAGE).toMatch(/@sha256:[0-9a-f]{64}$/);
    const cron = only(synth(chart), 'CronJob');
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].image).toBe(JANITOR_IMAGE);
  });

  test('GIVEN the longest interval THEN a failed Job outlives three janitor runs', () => {
    const { janitor } = build({ interval: Duration.minutes(JANITOR_MAX_INTERVAL_MINUTES) });
    expect(MIN_TTL_AFTER_FINISHED_SECONDS).toBeGreaterThanOrEqual(3 * janitor.interval.toSeconds());
    expect(build({ interval: Duration.minutes(1) }).cron.spec.schedule).toBe('*/1 * * * *');
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
    const vap = objects.find(
      (o) => o.kind === 'ValidatingAdmissionPolicy' && !o.metadata.name.endsWith('-marks'),
    ) as K8sObject;
    const binding = objects.find(
      (o) =>
        o.kind === 'ValidatingAdmissionPolicyBinding' && o.spec.policyName === vap.metadata.name,
    ) as K8sObject;
    expect(binding.spec).toEqual({ policyName: vap.metadata.name, validationActions: ['Deny'] });
    expect(vap.spec.failurePolicy).toBe('Fail');
    expect(vap.spec.matchConstraints.resourceRules[0].operations).toEqual(['UPDATE', 'DELETE']);
    expect(vap.spec.matchConditions[0].expression).toContain(`'${janitor.username}'`);
    expect(vap.spec.validations[0].expression).toContain(`'${SANDBOX_NAMESPACE_LABEL}'`);
  });

  test('THEN a second admission policy keeps the failure record to the janitor, on every path that can change it', () => {
    const { objects, janitor } = build();
    const vap = objects.find(
      (o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name.endsWith('-marks'),
    ) as K8sObject;
    const binding = objects.find(
      (o) =>
        o.kind === 'ValidatingAdmissionPolicyBinding' && o.spec.policyName === vap.metadata.name,
    ) as K8sObject;
    expect(binding.spec.validationActions).toEqual(['Deny']);
    expect(vap.spec.failurePolicy).toBe('Fail');
    expect(vap.spec.matchConstraints.resourceRules).toEqual([
      expect.objectContaining({
        operations: ['UPDATE'],
        resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'],
      }),
    ]);
    expect(vap.spec.matchConditions[1].expression).toContain(`!= '${janitor.username}'`);
    expect(vap.spec.validations[0].expression).toContain(`'${SANDBOX_OUTCOME_LABEL}'`);
    expect(vap.spec.validations[0].expression).toContain(`'${SANDBOX_FAILED_AT_ANNOTATION}'`);
  });

  test('THEN a NetworkPolicy allows its pods no ingress and only TCP 443 out, never to metadata or link-local addresses', () => {
    const { objects, cron } = build();
    const np = only(objects, 'NetworkPolicy');
    expect(np.metadata.namespace).toBe(PLATFORM_NAMESPACE);
    expect(np.spec.podSelector.matchLabels).toEqual(
      cron.spec.jobTemplate.spec.template.metadata.labels,
    );
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toBeUndefined();
    expect(np.spec.egress).toEqual([
      {
        to: [
          {
            ipBlock: {
              cidr: '0.0.0.0/0',
              // The link-local range, which holds every IPv4 metadata address.
              except: ['169.254.0.0/16'],
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]);
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy).toBe(
      'IfNotPresent',
    );
  });

  test('GIVEN the API server’s addresses THEN egress is narrowed to them', () => {
    const np = only(
      build({ apiServerEgress: { cidrs: ['10.100.0.1/32', '10.0.0.0/16'], ports: [443] } }).objects,
      'NetworkPolicy',
    );
    expect(np.spec.egress[0].to).toEqual([
      { ipBlock: { cidr: '10.100.0.1/32' } },
      { ipBlock: { cidr: '10.0.0.0/16' } },
    ]);
  });

  test('GIVEN options THEN they reach the script environment', () => {
    const { env, cron } = build({
      interval: Duration.minutes(2),
      gracePeriod: Duration.minutes(30),
      deadLetterRetention: Duration.days(1),
    });
    expect(cron.spec.schedule).toBe('*/2 * * * *');
    expect(env).toMatchObject({ GRACE_SECONDS: '1800', RETENTION_SECONDS: '86400' });
  });

  test.each([
    ['a tag-only image', { image: 'bitnami/kubectl:latest' }, /pinned by digest/],
    [
      'an interval over 5 minutes',
      { interval: Duration.minutes(10) },
      /interval must be whole minutes from 1 to 5; got 600/,
    ],
    [
      'an interval of seconds',
      { interval: Duration.seconds(90) },
      /interval must be whole minutes/,
    ],
    ['an interval of zero', { interval: Duration.seconds(0) }, /interval must be whole minutes/],
    ['a grace period under a minute', { gracePeriod: Duration.seconds(5) }, /gracePeriod/],
    [
      'a retention under an hour',
      { deadLetterRetention: Duration.minutes(5) },
      /deadLetterRetention/,
    ],
    ['a sandbox namespace', { namespace: 'sbx-janitor' }, /must not run in a sandbox/],
    [
      'an API server range with host bits',
      { apiServerEgress: { cidrs: ['10.0.0.1/16'], ports: [443] } },
      /apiServerEgress.cidrs\[0\] '10.0.0.1\/16' has host bits set; use the network address '10.0.0.0\/16'/,
    ],
    [
      'the metadata address as the API server',
      { apiServerEgress: { cidrs: ['169.254.169.254/32'], ports: [443] } },
      /apiServerEgress.cidrs\[0\]/,
    ],
    [
      'no port',
      { apiServerEgress: { cidrs: ['10.0.0.0/16'], ports: [] } },
      /apiServerEgress needs at least one CIDR and one port/,
    ],
    [
      'port 0',
      { apiServerEgress: { cidrs: ['10.0.0.0/16'], ports: [0] } },
      /apiServerEgress.ports\[0\] must be a whole number from 1 to 65535/,
    ],
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
