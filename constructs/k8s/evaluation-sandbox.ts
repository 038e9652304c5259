import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
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
}

/**
 * One evaluation, isolated: its own {@link SandboxNamespace} (PSA restricted, quota, default-deny
 * network), a {@link SandboxIdentity} with no rights, and an {@link EvaluationJob} running in gVisor
 * as that identity, with a {@link PostureRecord} of its effective posture beside the Job. This is
 * the construct most users need.
 *
 * ```ts
 * new EvaluationSandbox(chart, 'Run42', {
 *   evaluationId: 'run-42',
 *   image: 'registry.example.com/tasks/swe@sha256:…',
 *   egress: [{ cidr: '10.20.0.0/16', ports: [443] }],
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
    const podCpu =
      cpuMillis(props.cpu ?? DEFAULT_EVALUATION_CPU) + cpuMillis(this.runtimeOverheadCpu);
    const podMemoryKib =
      sizeKib(props.memory ?? DEFAULT_EVALUATION_MEMORY) + sizeKib(this.runtimeOverheadMemory);
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
    fits(
      'cpu',
      cpuMillis(job.cpu) + cpuMillis(this.runtimeOverheadCpu),
      cpuMillis(ns.quotaCpu),
      'quotaCpu',
      ` plus the RuntimeClass overhead (${cpuMillis(job.cpu)}m + ${cpuMillis(this.runtimeOverheadCpu)}m)`,
    );
    fits(
      'memory',
      sizeKib(job.memory) + sizeKib(this.runtimeOverheadMemory),
      sizeKib(ns.quotaMemory),
      'quotaMemory',
      ` plus the RuntimeClass overhead (${job.memory.asString()} + ${this.runtimeOverheadMemory.asString()})`,
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
