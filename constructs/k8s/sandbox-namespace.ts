import { createHash } from 'node:crypto';
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  NAMESPACE_NAME_LABEL,
  POD_SECURITY_LABELS,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_NAMESPACE_LABEL_VALUE,
} from '../shared/labels';
import {
  AUDITOR_CLUSTER_ROLE,
  POD_SECURITY_VERSION,
  RUNNER_CLUSTER_ROLE,
  SANDBOX_NAMESPACE_PREFIX,
  SANDBOX_PRIORITY_CLASS,
} from '../shared/platform';
import {
  checkDnsLabel,
  checkInteger,
  checkLabelKey,
  checkLabelValue,
  slugify,
} from '../shared/validation';
import { EgressPolicy, EgressRule } from './egress-policy';
import { check, checkCpu, checkSize, cpuMillis, sizeKib, standardLabels } from './internal';

/**
 * Options for a sandbox namespace, without its name (shared with {@link EvaluationSandbox}).
 */
/** The default CPU quota of a sandbox namespace. */
export const DEFAULT_QUOTA_CPU = kplus.Cpu.units(4);
/** The default memory quota of a sandbox namespace. */
export const DEFAULT_QUOTA_MEMORY = Size.gibibytes(8);

export interface SandboxNamespaceOptions {
  /**
   * The Pod Security Standards version the `restricted` level is pinned to (enforce, audit, warn).
   * Pinning keeps a cluster upgrade from changing what is admitted without a review.
   *
   * @default 'v1.35' (the platform's target minor)
   */
  readonly podSecurityVersion?: string;

  /**
   * Total CPU (requests and limits) all pods of the sandbox may use.
   *
   * @default Cpu.units(4)
   */
  readonly quotaCpu?: kplus.Cpu;

  /**
   * Total memory (requests and limits) all pods of the sandbox may use.
   *
   * @default Size.gibibytes(8)
   */
  readonly quotaMemory?: Size;

  /**
   * Total ephemeral storage (requests and limits) all pods of the sandbox may use, so an agent
   * cannot fill the node's disk.
   *
   * @default Size.gibibytes(20)
   */
  readonly quotaEphemeralStorage?: Size;

  /**
   * How many pods may exist in the sandbox at once.
   *
   * @default 10
   */
  readonly quotaPods?: number;

  /**
   * Total storage all PersistentVolumeClaims of the sandbox may request (`requests.storage`),
   * generic ephemeral volumes included. With a CSI driver installed a claim is a real, billed
   * volume, so there is none unless you opt in (with {@link quotaPersistentVolumeClaims}).
   *
   * @default Size.gibibytes(0) - no claims
   */
  readonly quotaStorage?: Size;

  /**
   * How many PersistentVolumeClaims may exist in the sandbox at once (generic ephemeral volumes
   * create one each). Zero exactly when {@link quotaStorage} is zero.
   *
   * @default 0
   */
  readonly quotaPersistentVolumeClaims?: number;

  /**
   * CPU request and limit given to a container that sets none (LimitRange default).
   *
   * @default Cpu.units(1)
   */
  readonly defaultContainerCpu?: kplus.Cpu;

  /**
   * Memory request and limit given to a container that sets none (LimitRange default).
   *
   * @default Size.gibibytes(2)
   */
  readonly defaultContainerMemory?: Size;

  /**
   * Ephemeral-storage request and limit given to a container that sets none (LimitRange default).
   *
   * @default Size.gibibytes(4)
   */
  readonly defaultContainerEphemeralStorage?: Size;

  /**
   * Let every pod of the sandbox query the cluster DNS (UDP and TCP 53 to its pods). Costs the
   * closed DNS channel: the cluster DNS forwards any name outward, so data can leave encoded in
   * names (docs/threat-model.md). Without it the sandbox resolves no names at all; its egress
   * gateway (`egressDomains` on EvaluationSandbox) resolves the names it allows.
   *
   * @default false - no DNS
   */
  readonly allowClusterDns?: boolean;

  /**
   * Namespace of the cluster DNS service: the DNS the sandbox may query when `allowClusterDns` is
   * set, and the egress gateway's resolver.
   *
   * @default 'kube-system'
   */
  readonly clusterDnsNamespace?: string;

  /**
   * Pod labels of the cluster DNS pods (CoreDNS on EKS carries `k8s-app: kube-dns`).
   *
   * @default { 'k8s-app': 'kube-dns' }
   */
  readonly clusterDnsPodLabels?: Record<string, string>;

  /**
   * Extra labels for the namespace. The sandbox marker and Pod Security labels cannot be
   * overridden.
   *
   * @default - none
   */
  readonly namespaceLabels?: Record<string, string>;

  /**
   * Egress allowlist entries, each becoming an {@link EgressPolicy} named `allow-egress-<n>`
   * (1-based). More can be added with `allowEgressTo()`.
   *
   * @default - none: the sandbox reaches nothing (not even DNS, unless `allowClusterDns`)
   */
  readonly egress?: EgressRule[];
}

/**
 * Properties for {@link SandboxNamespace}.
 */
export interface SandboxNamespaceProps extends SandboxNamespaceOptions {
  /**
   * Name of the namespace (an RFC 1123 label) starting with `sbx-`: admission (SBX-B3) refuses a
   * sandbox namespace without the prefix, which lets bindings anywhere recognise sandbox service
   * accounts and keeps `kube-system` or `default` from ever becoming a sandbox.
   */
  readonly name: string;
}

const RESERVED_LABELS = new Set<string>([
  SANDBOX_NAMESPACE_LABEL,
  NAMESPACE_NAME_LABEL,
  ...Object.values(POD_SECURITY_LABELS),
]);

/**
 * A namespace per sandbox, closed by default: Pod Security Admission `restricted` (enforce, audit,
 * warn, pinned version), a ResourceQuota and LimitRange covering CPU, memory, ephemeral storage and
 * pod count (and no NodePort or LoadBalancer Services, no PersistentVolumeClaims unless opted in),
 * and NetworkPolicies that deny all ingress
 * and egress, DNS included (`allowClusterDns` opts in). Egress is opened only with `allowEgressTo()`
 * (CIDRs) and by an egress gateway (names).
 */
export class SandboxNamespace extends Construct {
  /** The namespace name. */
  public readonly name: string;
  /** The pinned Pod Security Standards version. */
  public readonly podSecurityVersion: string;
  /** Quota: total CPU. */
  public readonly quotaCpu: kplus.Cpu;
  /** Quota: total memory. */
  public readonly quotaMemory: Size;
  /** Quota: total ephemeral storage. */
  public readonly quotaEphemeralStorage: Size;
  /** Quota: pod count. */
  public readonly quotaPods: number;
  /** Quota: total storage requested by PersistentVolumeClaims. */
  public readonly quotaStorage: Size;
  /** Quota: PersistentVolumeClaim count. */
  public readonly quotaPersistentVolumeClaims: number;
  /** LimitRange: container CPU default. */
  public readonly defaultContainerCpu: kplus.Cpu;
  /** LimitRange: container memory default. */
  public readonly defaultContainerMemory: Size;
  /** LimitRange: container ephemeral-storage default. */
  public readonly defaultContainerEphemeralStorage: Size;
  /** The Namespace object (escape hatch). */
  public readonly resource: kplus.k8s.KubeNamespace;
  /** The ResourceQuota. */
  public readonly resourceQuota: kplus.k8s.KubeResourceQuota;
  /**
   * A quota of zero pods for every PriorityClass but the sandbox one: the second layer under
   * admission rule SBX-R11 (pods without a class are not in its scope).
   */
  public readonly priorityQuota: kplus.k8s.KubeResourceQuota;
  /** The LimitRange. */
  public readonly limitRange: kplus.k8s.KubeLimitRange;
  /** The default-deny NetworkPolicy (ingress and egress). */
  public readonly denyAllPolicy: kplus.k8s.KubeNetworkPolicy;
  /** Whether the sandbox's pods may query the cluster DNS. */
  public readonly allowClusterDns: boolean;
  /** Namespace of the cluster DNS pods. */
  public readonly clusterDnsNamespace: string;
  /** Pod labels of the cluster DNS pods. */
  public readonly clusterDnsPodLabels: Record<string, string>;
  /** The NetworkPolicy allowing DNS to the cluster DNS only; only with `allowClusterDns`. */
  public readonly dnsPolicy?: kplus.k8s.KubeNetworkPolicy;

  private readonly egressPolicies: EgressPolicy[] = [];
  private readonly bindings = new Map<string, kplus.k8s.KubeRoleBinding>();

  constructor(scope: Construct, id: string, props: SandboxNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    check(this, checkDnsLabel('name', this.name));
    if (!this.name.startsWith(SANDBOX_NAMESPACE_PREFIX) || this.name === SANDBOX_NAMESPACE_PREFIX) {
      check(
        this,
        `name '${this.name}' must start with '${SANDBOX_NAMESPACE_PREFIX}' (for example '${SANDBOX_NAMESPACE_PREFIX}${this.name.replace(/^sbx-?/, '') || 'run-1'}'): ` +
          'admission refuses sandbox namespaces without the prefix, and kube-system, default or a team namespace must never become a sandbox',
      );
    }

    this.podSecurityVersion = props.podSecurityVersion ?? POD_SECURITY_VERSION;
    if (!/^v1\.[0-9]+$/.test(this.podSecurityVersion)) {
      check(
        this,
        `podSecurityVersion '${this.podSecurityVersion}' must be a pinned version like '${POD_SECURITY_VERSION}'; ` +
          `'latest' would change what is admitted on a cluster upgrade`,
      );
    }

    this.quotaCpu = props.quotaCpu ?? DEFAULT_QUOTA_CPU;
    this.quotaMemory = props.quotaMemory ?? DEFAULT_QUOTA_MEMORY;
    this.quotaEphemeralStorage = props.quotaEphemeralStorage ?? Size.gibibytes(20);
    this.quotaPods = props.quotaPods ?? 10;
    this.quotaStorage = props.quotaStorage ?? Size.gibibytes(0);
    this.quotaPersistentVolumeClaims = props.quotaPersistentVolumeClaims ?? 0;
    this.defaultContainerCpu = props.defaultContainerCpu ?? kplus.Cpu.units(1);
    this.defaultContainerMemory = props.defaultContainerMemory ?? Size.gibibytes(2);
    this.defaultContainerEphemeralStorage =
      props.defaultContainerEphemeralStorage ?? Size.gibibytes(4);
    check(this, checkCpu('quotaCpu', this.quotaCpu));
    check(this, checkSize('quotaMemory', this.quotaMemory));
    check(this, checkSize('quotaEphemeralStorage', this.quotaEphemeralStorage));
    check(this, checkInteger('quotaPods', this.quotaPods, 1, 1000));
    this.checkClaimQuota();
    check(this, checkCpu('defaultContainerCpu', this.defaultContainerCpu));
    check(this, checkSize('defaultContainerMemory', this.defaultContainerMemory));
    check(
      this,
      checkSize('defaultContainerEphemeralStorage', this.defaultContainerEphemeralStorage),
    );
    this.checkFits(
      'defaultContainerCpu',
      cpuMillis(this.defaultContainerCpu),
      'quotaCpu',
      cpuMillis(this.quotaCpu),
    );
    this.checkFits(
      'defaultContainerMemory',
      sizeKib(this.defaultContainerMemory),
      'quotaMemory',
      sizeKib(this.quotaMemory),
    );
    this.checkFits(
      'defaultContainerEphemeralStorage',
      sizeKib(this.defaultContainerEphemeralStorage),
      'quotaEphemeralStorage',
      sizeKib(this.quotaEphemeralStorage),
    );

    const extraLabels = props.namespaceLabels ?? {};
    for (const [key, value] of Object.entries(extraLabels)) {
      check(this, checkLabelKey('namespaceLabels key', key));
      check(this, checkLabelValue(`namespaceLabels['${key}']`, value));
      if (RESERVED_LABELS.has(key)) {
        check(
          this,
          `namespaceLabels may not set '${key}': the sandbox marker and Pod Security labels are fixed`,
        );
      }
    }

    this.allowClusterDns = props.allowClusterDns ?? false;
    const dnsNamespace = props.clusterDnsNamespace ?? 'kube-system';
    this.clusterDnsNamespace = dnsNamespace;
    check(this, checkDnsLabel('clusterDnsNamespace', dnsNamespace));
    const dnsPodLabels = props.clusterDnsPodLabels ?? { 'k8s-app': 'kube-dns' };
    if (Object.keys(dnsPodLabels).length === 0) {
      check(
        this,
        'clusterDnsPodLabels is empty, which would allow DNS to every pod of the DNS namespace; name the DNS pods',
      );
    }
    for (const [key, value] of Object.entries(dnsPodLabels)) {
      check(this, checkLabelKey('clusterDnsPodLabels key', key));
      check(this, checkLabelValue(`clusterDnsPodLabels['${key}']`, value));
    }
    this.clusterDnsPodLabels = { ...dnsPodLabels };

    const psa = POD_SECURITY_LABELS;
    this.resource = new kplus.k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: {
          ...extraLabels,
          ...standardLabels('sandbox'),
          [SANDBOX_NAMESPACE_LABEL]: SANDBOX_NAMESPACE_LABEL_VALUE,
          [psa.enforce]: 'restricted',
          [psa.enforceVersion]: this.podSecurityVersion,
          [psa.audit]: 'restricted',
          [psa.auditVersion]: this.podSecurityVersion,
          [psa.warn]: 'restricted',
          [psa.warnVersion]: this.podSecurityVersion,
        },
      },
    });

    const q = kplus.k8s.Quantity.fromString;
    this.resourceQuota = new kplus.k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: 'sandbox-quota', namespace: this.name, labels: standardLabels('sandbox') },
      spec: {
        hard: {
          'requests.cpu': q(this.quotaCpu.amount),
          'limits.cpu': q(this.quotaCpu.amount),
          'requests.memory': q(this.quotaMemory.asString()),
          'limits.memory': q(this.quotaMemory.asString()),
          'requests.ephemeral-storage': q(this.quotaEphemeralStorage.asString()),
          'limits.ephemeral-storage': q(this.quotaEphemeralStorage.asString()),
          pods: q(String(this.quotaPods)),
          'requests.storage': q(this.quotaStorage.asString()),
          persistentvolumeclaims: q(String(this.quotaPersistentVolumeClaims)),
          'services.nodeports': q('0'),
          'services.loadbalancers': q('0'),
        },
      },
    });

    const containerDefaults = {
      cpu: q(this.defaultContainerCpu.amount),
      memory: q(this.defaultContainerMemory.asString()),
      'ephemeral-storage': q(this.defaultContainerEphemeralStorage.asString()),
    };
    this.priorityQuota = new kplus.k8s.KubeResourceQuota(this, 'PriorityQuota', {
      metadata: {
        name: 'sandbox-priority-quota',
        namespace: this.name,
        labels: standardLabels('sandbox'),
      },
      spec: {
        hard: { pods: q('0') },
        // Both expressions must match: pods that name a class, and a class other than the sandbox one.
        scopeSelector: {
          matchExpressions: [
            { scopeName: 'PriorityClass', operator: 'Exists' },
            { scopeName: 'PriorityClass', operator: 'NotIn', values: [SANDBOX_PRIORITY_CLASS] },
          ],
        },
      },
    });

    this.limitRange = new kplus.k8s.KubeLimitRange(this, 'Limits', {
      metadata: { name: 'sandbox-limits', namespace: this.name, labels: standardLabels('sandbox') },
      spec: {
        limits: [
          { type: 'Container', default: containerDefaults, defaultRequest: containerDefaults },
        ],
      },
    });

    this.denyAllPolicy = new kplus.k8s.KubeNetworkPolicy(this, 'DenyAll', {
      metadata: {
        name: 'default-deny-all',
        namespace: this.name,
        labels: standardLabels('network-policy'),
      },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    const dnsPort = (protocol: string) => ({
      protocol,
      port: kplus.k8s.IntOrString.fromNumber(53),
    });
    // No DNS unless asked for: the cluster DNS forwards any name outward (ADR 0006).
    this.dnsPolicy = !this.allowClusterDns
      ? undefined
      : new kplus.k8s.KubeNetworkPolicy(this, 'ClusterDns', {
          metadata: {
            name: 'allow-cluster-dns',
            namespace: this.name,
            labels: standardLabels('network-policy'),
          },
          spec: {
            podSelector: {},
            policyTypes: ['Egress'],
            egress: [
              {
                to: [
                  {
                    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: dnsNamespace } },
                    podSelector: { matchLabels: { ...dnsPodLabels } },
                  },
                ],
                ports: [dnsPort('UDP'), dnsPort('TCP')],
              },
            ],
          },
        });

    // Everything in the namespace is created after it (kubectl apply -f and GitOps tools follow this order).
    for (const obj of [
      this.resourceQuota,
      this.priorityQuota,
      this.limitRange,
      this.denyAllPolicy,
      ...(this.dnsPolicy ? [this.dnsPolicy] : []),
    ]) {
      obj.node.addDependency(this.resource);
    }

    (props.egress ?? []).forEach((rule, i) => this.allowEgressTo(`${i + 1}`, rule));
  }

  /** The egress allowlist policies added so far. */
  public get egress(): EgressPolicy[] {
    return [...this.egressPolicies];
  }

  /**
   * Opens egress from every pod of this sandbox to `rule.cidr` on `rule.ports`. Link-local and
   * instance-metadata ranges stay closed (a range containing them gets `except` entries; a range
   * inside them is an error).
   *
   * @param id construct id of the policy; the NetworkPolicy is named `allow-egress-<id>`
   * @returns the policy created
   */
  public allowEgressTo(id: string, rule: EgressRule): EgressPolicy {
    const policy = new EgressPolicy(this, id, { ...rule, namespace: this.name });
    policy.node.addDependency(this.resource);
    this.egressPolicies.push(policy);
    return policy;
  }

  /**
   * Lets `subject` (the orchestrator) run evaluations in this sandbox: create, get, list, watch and
   * delete Jobs, read Pods, their logs and events. No secrets, exec, RBAC or escalation.
   *
   * @returns the RoleBinding to the runner ClusterRole (the same one when called again)
   */
  public grantRunEvaluations(subject: kplus.ISubject): kplus.k8s.KubeRoleBinding {
    return this.bind('runner', RUNNER_CLUSTER_ROLE, subject);
  }

  /**
   * Lets `subject` read this sandbox: workloads, logs, events, policies and quotas, never secrets.
   *
   * @returns the RoleBinding to the auditor ClusterRole (the same one when called again)
   */
  public grantAudit(subject: kplus.ISubject): kplus.k8s.KubeRoleBinding {
    return this.bind('auditor', AUDITOR_CLUSTER_ROLE, subject);
  }

  private bind(
    role: string,
    clusterRole: string,
    subject: kplus.ISubject,
  ): kplus.k8s.KubeRoleBinding {
    const s = subject.toSubjectConfiguration();
    const key = `${role}|${s.kind}|${s.namespace ?? ''}|${s.name}`;
    const existing = this.bindings.get(key);
    if (existing) return existing;

    const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
    const slug = slugify(`${s.kind}-${s.name}`);
    const name = `eval-sandbox-${role}-${slug}`.slice(0, 53).replace(/-+$/, '') + `-${hash}`;
    const binding = new kplus.k8s.KubeRoleBinding(this, `Binding-${role}-${hash}`, {
      metadata: { name, namespace: this.name, labels: standardLabels('rbac') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [
        {
          kind: s.kind,
          name: s.name,
          ...(s.apiGroup !== undefined ? { apiGroup: s.apiGroup } : {}),
          ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
        },
      ],
    });
    binding.node.addDependency(this.resource);
    this.bindings.set(key, binding);
    return binding;
  }

  /** Claim storage and claim count: valid, and both zero or both positive. */
  private checkClaimQuota(): void {
    // Before any conversion: cdk8s throws a plain error on NaN or Infinity.
    if (!/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei)$/.test(this.quotaStorage.asString())) {
      check(
        this,
        `quotaStorage must be a size; got '${this.quotaStorage.asString()}' (use Size.gibibytes(0) for no claims, or Size.gibibytes(20))`,
      );
    }
    const kib = sizeKib(this.quotaStorage);
    check(
      this,
      checkInteger('quotaPersistentVolumeClaims', this.quotaPersistentVolumeClaims, 0, 1000),
    );
    const hasStorage = kib > 0;
    const hasClaims = this.quotaPersistentVolumeClaims > 0;
    if (hasStorage !== hasClaims) {
      check(
        this,
        `quotaStorage (${this.quotaStorage.asString()}) and quotaPersistentVolumeClaims (${this.quotaPersistentVolumeClaims}) must both be zero (no claims) or both positive: ` +
          'a claim needs storage and storage needs a claim; set both',
      );
    }
  }

  private checkFits(field: string, value: number, quotaField: string, quota: number): void {
    if (value > quota) {
      check(
        this,
        `${field} exceeds ${quotaField}: a container with the default could never be admitted; raise ${quotaField} or lower ${field}`,
      );
    }
  }
}
