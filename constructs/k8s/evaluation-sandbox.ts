import { EGRESS_GATEWAY_IMAGE } from '../shared/egress-gateway-image';
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { EVALUATION_ID_LABEL, MODEL_LABEL, TASK_LABEL } from '../shared/labels';
import { DEFAULT_PARAMETERS } from '../../policies/k8s/parameters';
import {
  DEFAULT_EGRESS_GATEWAY_CPU,
  DEFAULT_EGRESS_GATEWAY_MEMORY,
  EgressGateway,
} from './egress-gateway';
import { EgressPolicy, EgressRule } from './egress-policy';
import {
  DEFAULT_EVALUATION_CPU,
  DEFAULT_EVALUATION_MEMORY,
  EvaluationJob,
  EvaluationJobOptions,
} from './evaluation-job';
import { slugify } from '../shared/validation';
import { check, checkCpu, checkSize, cpuMillis, sizeKib } from './internal';
import {
  DEFAULT_GVISOR_OVERHEAD_CPU,
  DEFAULT_GVISOR_OVERHEAD_MEMORY,
} from './gvisor-runtime-class';
import { PostureRecord } from './posture-record';
import { SandboxIdentity } from './sandbox-identity';
import {
  DEFAULT_QUOTA_CPU,
  DEFAULT_QUOTA_MEMORY,
  SandboxNamespace,
  SandboxNamespaceOptions,
} from './sandbox-namespace';

/** The sandbox namespaces of the EvaluationSandboxes in each app (keyed by the construct tree's root). */
const NAMESPACES = new WeakMap<IConstruct, Map<string, string>>();

function namespacesInApp(scope: Construct): Map<string, string> {
  let taken = NAMESPACES.get(scope.node.root);
  if (!taken) NAMESPACES.set(scope.node.root, (taken = new Map()));
  return taken;
}

/**
 * Properties for {@link EvaluationSandbox}: the namespace options and the Job options, flat.
 */
export interface EvaluationSandboxProps extends SandboxNamespaceOptions, EvaluationJobOptions {
  /**
   * Name of the sandbox namespace.
   *
   * @default - `sbx-` followed by the evaluation id in lowercase, with characters a name cannot hold
   * replaced by '-'
   */
  readonly namespaceName?: string;

  /**
   * Name of the sandbox's service account.
   *
   * @default 'evaluator'
   */
  readonly serviceAccountName?: string;

  /**
   * The per-pod CPU overhead of the RuntimeClass the Job runs under, which the quota must hold on
   * top of the Job's own CPU. Set it when your `GvisorRuntimeClass` has another overhead.
   *
   * @default Cpu.millis(100) - the GvisorRuntimeClass default
   */
  readonly runtimeOverheadCpu?: kplus.Cpu;

  /**
   * The per-pod memory overhead of the RuntimeClass (see `runtimeOverheadCpu`).
   *
   * @default Size.mebibytes(128) - the GvisorRuntimeClass default
   */
  readonly runtimeOverheadMemory?: Size;

  /**
   * Names the evaluation may reach over HTTP(S), through an {@link EgressGateway} in the sandbox:
   * exact (`pypi.org`) or `*.suffix` (`*.githubusercontent.com`, not the apex itself). The
   * evaluation container gets `HTTPS_PROXY`/`HTTP_PROXY` (and lower-case forms) naming the gateway
   * by address, and may reach nothing else but its CIDR `egress` entries.
   *
   * @default - no gateway: the sandbox reaches no names
   */
  readonly egressDomains?: string[];

  /**
   * Destination ports of `egressDomains`: 443 and other ports through CONNECT; 80 for plain
   * `http://`.
   *
   * @default [443]
   */
  readonly egressDomainPorts?: number[];

  /**
   * The egress gateway image, pinned by digest, carrying Debian 12's squid at /usr/sbin/squid.
   *
   * @default EGRESS_GATEWAY_IMAGE - the project's own reproducible squid image
   * (scripts/build-images.sh); push its archive to `EGRESS_GATEWAY_IMAGE_REPOSITORY` or mirror it
   * and set this
   */
  readonly egressGatewayImage?: string;

  /**
   * The gateway's ClusterIP, when the platform allocates it.
   *
   * @default - derived from the namespace name in `serviceCidr` (see `deriveEgressGatewayAddress`)
   */
  readonly egressGatewayAddress?: string;

  /**
   * The cluster's IPv4 Service CIDR, where the gateway's ClusterIP lies.
   *
   * @default '172.20.0.0/16' - EKS's choice for a VPC inside 10.0.0.0/8
   */
  readonly serviceCidr?: string;
}

/** The proxy variables an evaluation with an egress gateway gets (upper and lower case). */
export const PROXY_ENV_NAMES: readonly string[] = [
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
];

/** Destinations that never go through the gateway: the pod's own loopback. */
export const DEFAULT_NO_PROXY: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/**
 * One evaluation, isolated: its own {@link SandboxNamespace} (PSA restricted, quota, default-deny
 * network, no DNS), an {@link EgressGateway} when it may reach names, a {@link SandboxIdentity} with no rights, and an {@link EvaluationJob} running in gVisor
 * as that identity, with a {@link PostureRecord} of its effective posture beside the Job. This is
 * the construct most users need.
 *
 * ```ts
 * new EvaluationSandbox(chart, 'Run42', {
 *   evaluationId: 'run-42',
 *   image: 'registry.example.com/tasks/swe@sha256:…',
 *   egress: [{ cidr: '10.20.0.0/16', ports: [5432] }],
 *   egressDomains: ['pypi.org', 'files.pythonhosted.org'],
 *   egressGatewayImage: 'registry.example.com/egress-gateway@sha256:…',
 * });
 * ```
 */
export class EvaluationSandbox extends Construct {
  /** The namespace, with its quota and network policies. */
  public readonly namespace: SandboxNamespace;
  /** The service account the evaluation runs as. */
  public readonly identity: SandboxIdentity;
  /** The evaluation Job. */
  public readonly job: EvaluationJob;
  /** The RuntimeClass CPU overhead the quota holds on top of the Job. */
  public readonly runtimeOverheadCpu: kplus.Cpu;
  /** The RuntimeClass memory overhead the quota holds on top of the Job. */
  public readonly runtimeOverheadMemory: Size;
  /** The record of the evaluation's effective posture (ConfigMap `<job name>-posture`). */
  public readonly posture: PostureRecord;
  /** The egress gateway, when `egressDomains` is set. */
  public readonly egressGateway?: EgressGateway;
  /** The proxy variables set on the evaluation container (empty without a gateway). */
  public readonly proxyEnv: Record<string, string>;

  constructor(scope: Construct, id: string, props: EvaluationSandboxProps) {
    super(scope, id);
    const namespaceName = props.namespaceName ?? `sbx-${slugify(props.evaluationId)}`;
    // Two evaluations never share a sandbox: one namespace per EvaluationSandbox in the app.
    const taken = namespacesInApp(this);
    const other = taken.get(namespaceName);
    if (other !== undefined) {
      check(
        this,
        `namespace '${namespaceName}' is already the sandbox of ${other}; two evaluations never share a ` +
          `sandbox: give this one another evaluationId or namespaceName`,
      );
    }
    taken.set(namespaceName, this.node.path);
    // A pod of the Job needs its own resources plus the RuntimeClass overhead (the RuntimeClass
    // admission plugin adds it to the pod, and the quota counts it). An unset quota is sized to
    // hold that, never below the SandboxNamespace defaults; a set one is checked below.
    this.runtimeOverheadCpu = props.runtimeOverheadCpu ?? DEFAULT_GVISOR_OVERHEAD_CPU;
    this.runtimeOverheadMemory = props.runtimeOverheadMemory ?? DEFAULT_GVISOR_OVERHEAD_MEMORY;
    check(this, checkCpu('runtimeOverheadCpu', this.runtimeOverheadCpu));
    check(this, checkSize('runtimeOverheadMemory', this.runtimeOverheadMemory));
    const withGateway = props.egressDomains !== undefined;
    if (!withGateway) {
      for (const prop of [
        'egressDomainPorts',
        'egressGatewayImage',
        'egressGatewayAddress',
        'serviceCidr',
      ] as const) {
        if (props[prop] !== undefined)
          check(this, `${prop} is set but egressDomains is not; list the names or remove ${prop}`);
      }
    } else {
      const clash = Object.keys(props.env ?? {}).filter((k) =>
        PROXY_ENV_NAMES.some(
          (n) => n.toLowerCase() === k.toLowerCase() || k.toLowerCase() === 'all_proxy',
        ),
      );
      if (clash.length > 0)
        check(
          this,
          `env sets ${clash.join(', ')}, which the egress gateway sets; remove ${clash.length > 1 ? 'them' : 'it'}`,
        );
    }
    // The gateway is a second pod of the sandbox, with its own RuntimeClass overhead.
    const gatewayCpu = withGateway
      ? cpuMillis(DEFAULT_EGRESS_GATEWAY_CPU) + cpuMillis(this.runtimeOverheadCpu)
      : 0;
    const gatewayMemoryKib = withGateway
      ? sizeKib(DEFAULT_EGRESS_GATEWAY_MEMORY) + sizeKib(this.runtimeOverheadMemory)
      : 0;
    const podCpu =
      cpuMillis(props.cpu ?? DEFAULT_EVALUATION_CPU) +
      cpuMillis(this.runtimeOverheadCpu) +
      gatewayCpu;
    const podMemoryKib =
      sizeKib(props.memory ?? DEFAULT_EVALUATION_MEMORY) +
      sizeKib(this.runtimeOverheadMemory) +
      gatewayMemoryKib;
    this.namespace = new SandboxNamespace(this, 'Namespace', {
      ...props,
      name: namespaceName,
      quotaCpu:
        props.quotaCpu ??
        (podCpu > cpuMillis(DEFAULT_QUOTA_CPU) ? kplus.Cpu.millis(podCpu) : DEFAULT_QUOTA_CPU),
      quotaMemory:
        props.quotaMemory ??
        (podMemoryKib > sizeKib(DEFAULT_QUOTA_MEMORY)
          ? Size.mebibytes(Math.ceil(podMemoryKib / 1024))
          : DEFAULT_QUOTA_MEMORY),
    });
    this.identity = new SandboxIdentity(this, 'Identity', {
      namespace: this.namespace.name,
      name: props.serviceAccountName,
    });
    this.job = new EvaluationJob(this, 'Job', {
      ...props,
      namespace: this.namespace.name,
      serviceAccount: this.identity.serviceAccount,
    });

    this.proxyEnv = {};
    if (withGateway) {
      const sandboxLabels: Record<string, string> = { [EVALUATION_ID_LABEL]: props.evaluationId };
      if (props.task !== undefined) sandboxLabels[TASK_LABEL] = props.task;
      if (props.model !== undefined) sandboxLabels[MODEL_LABEL] = props.model;
      this.egressGateway = new EgressGateway(this, 'EgressGateway', {
        namespace: this.namespace.name,
        image: props.egressGatewayImage ?? EGRESS_GATEWAY_IMAGE,
        domains: props.egressDomains as string[],
        ports: props.egressDomainPorts,
        sandboxLabels,
        serviceCidr: props.serviceCidr,
        address: props.egressGatewayAddress,
        clusterDnsNamespace: props.clusterDnsNamespace,
        clusterDnsPodLabels: props.clusterDnsPodLabels,
        // Outlives the Job's own deadline by ten minutes (the Job may start a little later).
        activeDeadlineSeconds: Math.min(
          this.job.activeDeadline.toSeconds() + 600,
          DEFAULT_PARAMETERS.maxActiveDeadlineSeconds,
        ),
      });
      this.egressGateway.node.addDependency(this.namespace.resource);
      this.job.node.addDependency(this.egressGateway);
      const noProxy = [...DEFAULT_NO_PROXY, ...this.namespace.egress.map((p) => p.cidr)].join(',');
      const url = this.egressGateway.proxyUrl;
      Object.assign(this.proxyEnv, {
        HTTPS_PROXY: url,
        HTTP_PROXY: url,
        NO_PROXY: noProxy,
        https_proxy: url,
        http_proxy: url,
        no_proxy: noProxy,
      });
      const container = this.job.job.containers[0];
      for (const name of PROXY_ENV_NAMES)
        container.env.addVariable(name, kplus.EnvValue.fromValue(this.proxyEnv[name]));
    }

    this.posture = new PostureRecord(this, 'Posture', {
      job: this.job,
      sandboxNamespace: this.namespace,
    });

    this.identity.node.addDependency(this.namespace.resource);
    this.job.node.addDependency(this.namespace.resource, this.identity);

    const ns = this.namespace;
    const job = this.job;
    const fits = (what: string, need: number, quota: number, quotaProp: string, plus = '') => {
      if (need > quota) {
        check(
          this,
          `the job's ${what}${plus} exceeds the sandbox quota, so it could never start; raise ${quotaProp} or lower ${what}`,
        );
      }
    };
    const gw = this.egressGateway;
    fits(
      'cpu',
      cpuMillis(job.cpu) + cpuMillis(this.runtimeOverheadCpu) + gatewayCpu,
      cpuMillis(ns.quotaCpu),
      'quotaCpu',
      ` plus the RuntimeClass overhead (${cpuMillis(job.cpu)}m + ${cpuMillis(this.runtimeOverheadCpu)}m)` +
        (gw ? ` plus the egress gateway (${gatewayCpu}m with its overhead)` : ''),
    );
    fits(
      'memory',
      sizeKib(job.memory) + sizeKib(this.runtimeOverheadMemory) + gatewayMemoryKib,
      sizeKib(ns.quotaMemory),
      'quotaMemory',
      ` plus the RuntimeClass overhead (${job.memory.asString()} + ${this.runtimeOverheadMemory.asString()})` +
        (gw ? ` plus the egress gateway (${gatewayMemoryKib / 1024}Mi with its overhead)` : ''),
    );
    fits(
      'ephemeralStorage',
      sizeKib(job.ephemeralStorage),
      sizeKib(ns.quotaEphemeralStorage),
      'quotaEphemeralStorage',
    );
  }

  /** Opens egress from the sandbox to `rule.cidr`; see {@link SandboxNamespace.allowEgressTo}. */
  public allowEgressTo(id: string, rule: EgressRule): EgressPolicy {
    return this.namespace.allowEgressTo(id, rule);
  }

  /** Lets `subject` run evaluations in this sandbox; see {@link SandboxNamespace.grantRunEvaluations}. */
  public grantRunEvaluations(subject: kplus.ISubject): kplus.k8s.KubeRoleBinding {
    return this.namespace.grantRunEvaluations(subject);
  }

  /** Lets `subject` read this sandbox; see {@link SandboxNamespace.grantAudit}. */
  public grantAudit(subject: kplus.ISubject): kplus.k8s.KubeRoleBinding {
    return this.namespace.grantAudit(subject);
  }
}
