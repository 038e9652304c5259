import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  POD_SECURITY_LABELS,
  SANDBOX_FAILED_AT_ANNOTATION,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_NAMESPACE_LABEL_VALUE,
  SANDBOX_OUTCOME_FAILED,
  SANDBOX_OUTCOME_LABEL,
} from '../shared/labels';
import {
  JANITOR_NAME,
  PLATFORM_NAMESPACE,
  POD_SECURITY_VERSION,
  SANDBOX_NAMESPACE_PREFIX,
} from '../shared/platform';
import { checkDigestPinnedImage, checkInteger } from '../shared/validation';
import { check, standardLabels } from './internal';
import { DEFAULT_JANITOR_OPTIONS } from './janitor-logic';
import { janitorScript } from './janitor-script';

/** Properties for {@link SandboxJanitor}. */
export interface SandboxJanitorProps {
  /**
   * The janitor's image, pinned by digest: it needs `kubectl`, a POSIX `sh`, `date -u -d @N`, `tr`
   * and `mktemp` (e.g. `docker.io/alpine/k8s@sha256:…` or a `kubectl` image with busybox).
   */
  readonly image: string;

  /**
   * When the janitor runs (cron syntax, the controller manager's time zone, UTC on EKS).
   * Must run more often than the evaluation Jobs' `ttlAfterFinished`, so a failed Job is seen
   * (and its namespace marked) before its TTL removes it.
   *
   * @default '*\/10 * * * *' (every 10 minutes)
   */
  readonly schedule?: string;

  /**
   * A sandbox whose evaluation Job is gone (removed by its TTL) or never came is deleted once the
   * namespace is this old.
   *
   * @default Duration.hours(1)
   */
  readonly gracePeriod?: Duration;

  /**
   * How long a failed sandbox is kept (dead letter) after the janitor marked it, with its
   * events, posture record and anything else in it, for investigation.
   *
   * @default Duration.days(7)
   */
  readonly deadLetterRetention?: Duration;

  /**
   * The namespace the janitor runs in (created here, Pod Security restricted).
   *
   * @default 'eval-sandbox-system'
   */
  readonly namespace?: string;
}

const q = kplus.k8s.Quantity.fromString;

/**
 * Removes finished sandboxes without any client: a CronJob that deletes sandbox namespaces whose
 * evaluation completed (or whose Job is gone after a grace period) or whose `expires-at` has
 * passed, labels failed ones `eval-sandbox.io/outcome=failed` and deletes them after the
 * dead-letter retention. Its identity can list namespaces and Jobs and delete and patch
 * namespaces, and a ValidatingAdmissionPolicy confines the delete and the patch to sandbox
 * namespaces (RBAC cannot restrict by label).
 */
export class SandboxJanitor extends Construct {
  /** The image. */
  public readonly image: string;
  /** The schedule. */
  public readonly schedule: string;
  /** The grace period for sandboxes without an evaluation Job. */
  public readonly gracePeriod: Duration;
  /** How long failed sandboxes are kept. */
  public readonly deadLetterRetention: Duration;
  /** The janitor's namespace. */
  public readonly namespace: string;
  /** The service account's user name, as the API server sees it. */
  public readonly username: string;
  /** The platform namespace (Pod Security restricted). */
  public readonly namespaceResource: kplus.k8s.KubeNamespace;
  /** The service account (no token automounted; the pod mounts a short-lived projected one). */
  public readonly serviceAccount: kplus.k8s.KubeServiceAccount;
  /** The ClusterRole: get and list namespaces, list Jobs, delete and patch namespaces (`kubectl patch` reads first). */
  public readonly clusterRole: kplus.k8s.KubeClusterRole;
  /** Its binding to the service account. */
  public readonly clusterRoleBinding: kplus.k8s.KubeClusterRoleBinding;
  /** The ConfigMap holding the script. */
  public readonly script: kplus.k8s.KubeConfigMap;
  /** The CronJob (escape hatch). */
  public readonly resource: kplus.k8s.KubeCronJob;
  /** The admission policy confining the janitor's deletes and patches to sandbox namespaces. */
  public readonly admissionPolicy: ApiObject;
  /** Its binding. */
  public readonly admissionPolicyBinding: ApiObject;

  constructor(scope: Construct, id: string, props: SandboxJanitorProps) {
    super(scope, id);
    this.image = props.image;
    check(this, checkDigestPinnedImage('image', this.image));
    this.schedule = props.schedule ?? '*/10 * * * *';
    if (this.schedule.trim().split(/\s+/).length !== 5) {
      check(
        this,
        `schedule '${this.schedule}' must be a five-field cron expression, e.g. '*/10 * * * *'`,
      );
    }
    this.gracePeriod =
      props.gracePeriod ?? Duration.seconds(DEFAULT_JANITOR_OPTIONS.gracePeriodSeconds);
    this.deadLetterRetention =
      props.deadLetterRetention ??
      Duration.seconds(DEFAULT_JANITOR_OPTIONS.deadLetterRetentionSeconds);
    const graceSeconds = this.gracePeriod.toSeconds();
    const retentionSeconds = this.deadLetterRetention.toSeconds();
    check(this, checkInteger('gracePeriod (seconds)', graceSeconds, 60, 30 * 24 * 3600));
    check(
      this,
      checkInteger('deadLetterRetention (seconds)', retentionSeconds, 3600, 365 * 24 * 3600),
    );
    this.namespace = props.namespace ?? PLATFORM_NAMESPACE;
    if (this.namespace.startsWith(SANDBOX_NAMESPACE_PREFIX)) {
      check(
        this,
        `namespace '${this.namespace}' starts with '${SANDBOX_NAMESPACE_PREFIX}': the janitor must not run in a sandbox; use '${PLATFORM_NAMESPACE}'`,
      );
    }
    this.username = `system:serviceaccount:${this.namespace}:${JANITOR_NAME}`;
    const labels = standardLabels('janitor');
    const psa = POD_SECURITY_LABELS;

    this.namespaceResource = new kplus.k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: this.namespace,
        labels: {
          ...labels,
          [psa.enforce]: 'restricted',
          [psa.enforceVersion]: POD_SECURITY_VERSION,
          [psa.audit]: 'restricted',
          [psa.auditVersion]: POD_SECURITY_VERSION,
          [psa.warn]: 'restricted',
          [psa.warnVersion]: POD_SECURITY_VERSION,
        },
      },
    });
    const meta = { name: JANITOR_NAME, namespace: this.namespace, labels };
    this.serviceAccount = new kplus.k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: meta,
      automountServiceAccountToken: false,
    });
    this.clusterRole = new kplus.k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: `eval-sandbox:${JANITOR_NAME}`, labels },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'delete', 'patch'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['list'] },
      ],
    });
    this.clusterRoleBinding = new kplus.k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: `eval-sandbox:${JANITOR_NAME}`, labels },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: `eval-sandbox:${JANITOR_NAME}`,
      },
      subjects: [{ kind: 'ServiceAccount', name: JANITOR_NAME, namespace: this.namespace }],
    });
    this.script = new kplus.k8s.KubeConfigMap(this, 'Script', {
      metadata: meta,
      data: { 'janitor.sh': janitorScript() },
    });

    const secret = '/var/run/secrets/kubernetes.io/serviceaccount';
    this.resource = new kplus.k8s.KubeCronJob(this, 'Resource', {
      metadata: meta,
      spec: {
        schedule: this.schedule,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 300,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: 300,
            ttlSecondsAfterFinished: 24 * 3600,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: JANITOR_NAME,
                automountServiceAccountToken: false,
                restartPolicy: 'Never',
                enableServiceLinks: false,
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 65532,
                  runAsGroup: 65532,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                containers: [
                  {
                    name: 'janitor',
                    image: this.image,
                    imagePullPolicy: 'Always',
                    command: ['/bin/sh', '/janitor/janitor.sh'],
                    env: [
                      { name: 'GRACE_SECONDS', value: String(graceSeconds) },
                      { name: 'RETENTION_SECONDS', value: String(retentionSeconds) },
                      { name: 'HOME', value: '/tmp' },
                    ],
                    securityContext: {
                      allowPrivilegeEscalation: false,
                      privileged: false,
                      readOnlyRootFilesystem: true,
                      runAsNonRoot: true,
                      runAsUser: 65532,
                      capabilities: { drop: ['ALL'] },
                      seccompProfile: { type: 'RuntimeDefault' },
                    },
                    resources: {
                      requests: {
                        cpu: q('100m'),
                        memory: q('128Mi'),
                        'ephemeral-storage': q('64Mi'),
                      },
                      limits: {
                        cpu: q('100m'),
                        memory: q('128Mi'),
                        'ephemeral-storage': q('64Mi'),
                      },
                    },
                    volumeMounts: [
                      { name: 'script', mountPath: '/janitor', readOnly: true },
                      { name: 'token', mountPath: secret, readOnly: true },
                      { name: 'tmp', mountPath: '/tmp' },
                    ],
                  },
                ],
                volumes: [
                  { name: 'script', configMap: { name: JANITOR_NAME, defaultMode: 0o444 } },
                  {
                    // The token only this pod needs, valid for ten minutes (kubectl's in-cluster config reads it here).
                    name: 'token',
                    projected: {
                      defaultMode: 0o444,
                      sources: [
                        { serviceAccountToken: { path: 'token', expirationSeconds: 600 } },
                        {
                          configMap: {
                            name: 'kube-root-ca.crt',
                            items: [{ key: 'ca.crt', path: 'ca.crt' }],
                          },
                        },
                        {
                          downwardApi: {
                            items: [
                              { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
                            ],
                          },
                        },
                      ],
                    },
                  },
                  { name: 'tmp', emptyDir: { sizeLimit: q('32Mi') } },
                ],
              },
            },
          },
        },
      },
    });
    for (const obj of [this.serviceAccount, this.script, this.resource]) {
      obj.node.addDependency(this.namespaceResource);
    }

    const OLD = 'oldObject.metadata';
    const labelsOf = (o: string) => `(has(${o}.metadata.labels) ? ${o}.metadata.labels : {})`;
    const annotationsOf = (o: string) =>
      `(has(${o}.metadata.annotations) ? ${o}.metadata.annotations : {})`;
    // Every key of either map other than `except` is unchanged.
    const onlyChanges = (of: (o: string) => string, except: string) =>
      `${of('object')}.all(k, k == '${except}' || (k in ${of('oldObject')} && ${of('oldObject')}[k] == ${of('object')}[k])) && ` +
      `${of('oldObject')}.all(k, k == '${except}' || k in ${of('object')})`;
    const name = `eval-sandbox-${JANITOR_NAME}`;
    const rule = `[${name}]`;
    this.admissionPolicy = new ApiObject(this, 'AdmissionPolicy', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels: standardLabels('admission-policy') },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['*'],
              operations: ['UPDATE', 'DELETE'],
              resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'],
            },
          ],
        },
        matchConditions: [
          {
            name: 'is-the-janitor',
            expression: `has(request.userInfo.username) && request.userInfo.username == '${this.username}'`,
          },
        ],
        validations: [
          {
            expression:
              `has(${OLD}.labels) && '${SANDBOX_NAMESPACE_LABEL}' in ${OLD}.labels && ` +
              `${OLD}.labels['${SANDBOX_NAMESPACE_LABEL}'] == '${SANDBOX_NAMESPACE_LABEL_VALUE}' && ` +
              `${OLD}.name.startsWith('${SANDBOX_NAMESPACE_PREFIX}')`,
            messageExpression: `'metadata.labels[${SANDBOX_NAMESPACE_LABEL}]: the janitor may only ' + (request.operation == 'DELETE' ? 'delete' : 'change') + ' sandbox namespaces, not ' + oldObject.metadata.name + ' ${rule}'`,
            reason: 'Forbidden',
          },
          {
            expression:
              `request.operation == 'DELETE' || ((!has(request.subResource) || request.subResource == '') && ` +
              `${onlyChanges(labelsOf, SANDBOX_OUTCOME_LABEL)} && ` +
              `(!('${SANDBOX_OUTCOME_LABEL}' in ${labelsOf('object')}) || ${labelsOf('object')}['${SANDBOX_OUTCOME_LABEL}'] == '${SANDBOX_OUTCOME_FAILED}') && ` +
              `${onlyChanges(annotationsOf, SANDBOX_FAILED_AT_ANNOTATION)})`,
            messageExpression: `'metadata: the janitor may only set ${SANDBOX_OUTCOME_LABEL}=${SANDBOX_OUTCOME_FAILED} and ${SANDBOX_FAILED_AT_ANNOTATION} on a sandbox namespace ${rule}'`,
            reason: 'Forbidden',
          },
        ],
      },
    });
    this.admissionPolicyBinding = new ApiObject(this, 'AdmissionPolicyBinding', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels: standardLabels('admission-policy') },
      spec: { policyName: name, validationActions: ['Deny'] },
    });
  }
}
