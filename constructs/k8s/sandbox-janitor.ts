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
  JANITOR_MAX_INTERVAL_MINUTES,
  JANITOR_NAME,
  MIN_TTL_AFTER_FINISHED_SECONDS,
  PLATFORM_NAMESPACE,
  POD_SECURITY_VERSION,
  SANDBOX_NAMESPACE_PREFIX,
} from '../shared/platform';
import { JANITOR_IMAGE } from '../shared/janitor-image';
import { planEgressCidr } from '../shared/network';
import { checkDigestPinnedImage, checkInteger } from '../shared/validation';
import { check, standardLabels } from './internal';
import { DEFAULT_JANITOR_OPTIONS } from './janitor-logic';
import { janitorScript } from './janitor-script';

/** Properties for {@link SandboxJanitor}. */
export interface SandboxJanitorProps {
  /**
   * The janitor's image, pinned by digest: it needs `kubectl`, a POSIX `sh`, `date -u -d @N`, `tr`
   * and `mktemp`.
   *
   * @default JANITOR_IMAGE - the project's own busybox + kubectl image (scripts/build-images.sh);
   * push its archive to `JANITOR_IMAGE_REPOSITORY`, or mirror it and set this
   */
  readonly image?: string;

  /**
   * How often the janitor runs: whole minutes, at most 5. Evaluation Jobs keep a finished Job at
   * least 15 minutes (`ttlAfterFinished`), so the janitor sees every failed Job (and keeps its
   * sandbox as a dead letter) even when one or two runs are skipped.
   *
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;

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
   * Where the janitor may connect: the API server, and nothing else. A NetworkPolicy denies its
   * pods all ingress and all egress but TCP to these ranges and ports (metadata and link-local
   * addresses are always excepted). kubectl reaches the API server by the `kubernetes` Service's
   * address, which the network plugin may judge before or after translating it to an endpoint:
   * list both (on EKS, the Service CIDR and the VPC CIDR, where the control plane's ENIs are).
   *
   * @default - TCP 443 to any address except metadata and link-local ones
   */
  readonly apiServerEgress?: { readonly cidrs: string[]; readonly ports: number[] };

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
  /** How often it runs. */
  public readonly interval: Duration;
  /** The CronJob schedule derived from {@link interval} (`*\/N * * * *`). */
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
  /** Its NetworkPolicy: no ingress; egress only to the API server ({@link SandboxJanitorProps.apiServerEgress}). */
  public readonly networkPolicy: kplus.k8s.KubeNetworkPolicy;
  /** The admission policy confining the janitor's deletes and patches to sandbox namespaces. */
  public readonly admissionPolicy: ApiObject;
  /** Its binding. */
  public readonly admissionPolicyBinding: ApiObject;
  /**
   * The admission policy keeping the janitor's record of a failed run (the outcome label and the
   * failed-at annotation) to the janitor: nobody else may add, change or remove them on a sandbox
   * namespace, so a failed run cannot be hidden, nor its deletion brought forward or put off.
   */
  public readonly marksPolicy: ApiObject;
  /** Its binding. */
  public readonly marksPolicyBinding: ApiObject;

  constructor(scope: Construct, id: string, props: SandboxJanitorProps = {}) {
    super(scope, id);
    this.image = props.image ?? JANITOR_IMAGE;
    check(this, checkDigestPinnedImage('image', this.image));
    this.interval = props.interval ?? Duration.minutes(JANITOR_MAX_INTERVAL_MINUTES);
    const intervalSeconds = this.interval.toSeconds();
    check(
      this,
      intervalSeconds % 60 === 0 &&
        intervalSeconds >= 60 &&
        intervalSeconds <= JANITOR_MAX_INTERVAL_MINUTES * 60
        ? undefined
        : `interval must be whole minutes from 1 to ${JANITOR_MAX_INTERVAL_MINUTES}; got ${intervalSeconds} seconds: ` +
            `evaluation Jobs are kept ${MIN_TTL_AFTER_FINISHED_SECONDS / 60} minutes after they finish, and the ` +
            `janitor must see a failed one to keep its sandbox as a dead letter`,
    );
    this.schedule = `*/${Math.round(intervalSeconds / 60)} * * * *`;
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
        startingDeadlineSeconds: intervalSeconds,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 0,
            // Done before the next run is due (concurrencyPolicy Forbid would skip it).
            activeDeadlineSeconds: Math.max(30, intervalSeconds - 30),
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
                    // Pinned by digest: the bytes cannot differ, so a cached copy is the image.
                    imagePullPolicy: 'IfNotPresent',
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

    const egress = props.apiServerEgress ?? { cidrs: ['0.0.0.0/0'], ports: [443] };
    if (egress.cidrs.length === 0 || egress.ports.length === 0) {
      check(this, 'apiServerEgress needs at least one CIDR and one port (the API server)');
    }
    const blocks = egress.cidrs.map((cidr, i) => {
      const plan = planEgressCidr(`apiServerEgress.cidrs[${i}]`, cidr);
      check(this, plan.problem);
      return {
        ipBlock:
          plan.except.length > 0 ? { cidr: plan.cidr, except: plan.except } : { cidr: plan.cidr },
      };
    });
    egress.ports.forEach((port, i) =>
      check(this, checkInteger(`apiServerEgress.ports[${i}]`, port, 1, 65535)),
    );
    this.networkPolicy = new kplus.k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta,
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          {
            to: blocks,
            ports: egress.ports.map((port) => ({
              protocol: 'TCP',
              port: kplus.k8s.IntOrString.fromNumber(port),
            })),
          },
        ],
      },
    });

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
    [this.admissionPolicy, this.admissionPolicyBinding] = this.namespacePolicy(
      'AdmissionPolicy',
      name,
      ['UPDATE', 'DELETE'],
      [
        {
          name: 'is-the-janitor',
          expression: `has(request.userInfo.username) && request.userInfo.username == '${this.username}'`,
        },
      ],
      [
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
    );

    const marks = `${name}-marks`;
    const same = (of: (o: string) => string, key: string) =>
      `((('${key}' in ${of('oldObject')}) == ('${key}' in ${of('object')})) && ` +
      `(!('${key}' in ${of('oldObject')}) || ${of('oldObject')}['${key}'] == ${of('object')}['${key}']))`;
    [this.marksPolicy, this.marksPolicyBinding] = this.namespacePolicy(
      'MarksPolicy',
      marks,
      ['UPDATE'],
      [
        {
          name: 'was-a-sandbox',
          expression:
            `has(${OLD}.labels) && '${SANDBOX_NAMESPACE_LABEL}' in ${OLD}.labels && ` +
            `${OLD}.labels['${SANDBOX_NAMESPACE_LABEL}'] == '${SANDBOX_NAMESPACE_LABEL_VALUE}'`,
        },
        {
          name: 'is-not-the-janitor',
          expression: `!has(request.userInfo.username) || request.userInfo.username != '${this.username}'`,
        },
      ],
      [
        {
          expression: `${same(labelsOf, SANDBOX_OUTCOME_LABEL)} && ${same(annotationsOf, SANDBOX_FAILED_AT_ANNOTATION)}`,
          messageExpression:
            `'metadata: ${SANDBOX_OUTCOME_LABEL} and ${SANDBOX_FAILED_AT_ANNOTATION} are the janitor\\'s record of a ` +
            `failed run; only the janitor may set or remove them on a sandbox namespace [${marks}]'`,
          reason: 'Forbidden',
        },
      ],
    );
  }

  /**
   * A ValidatingAdmissionPolicy on namespaces and their status and finalize subresources
   * (`failurePolicy: Fail`), and its binding with `Deny`. `id` is the policy's construct id; the
   * binding's is `<id>Binding`.
   */
  private namespacePolicy(
    id: string,
    name: string,
    operations: string[],
    matchConditions: { name: string; expression: string }[],
    validations: { expression: string; messageExpression: string; reason: string }[],
  ): [ApiObject, ApiObject] {
    const labels = standardLabels('admission-policy');
    const policy = new ApiObject(this, id, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['*'],
              operations,
              resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'],
            },
          ],
        },
        matchConditions,
        validations,
      },
    });
    const binding = new ApiObject(this, `${id}Binding`, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels },
      spec: { policyName: name, validationActions: ['Deny'] },
    });
    return [policy, binding];
  }
}
