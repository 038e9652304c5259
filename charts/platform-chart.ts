import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { EvaluatorRbac } from '../constructs/k8s/evaluator-rbac';
import { SandboxJanitor } from '../constructs/k8s/sandbox-janitor';
import {
  KarpenterGvisorPool,
  KarpenterGvisorPoolProps,
} from '../constructs/k8s/karpenter-gvisor-pool';
import { GvisorRuntimeClass } from '../constructs/k8s/gvisor-runtime-class';
import { SandboxAdmissionPolicies } from '../constructs/k8s/sandbox-admission-policies';
import { SandboxPriorityClass } from '../constructs/k8s/sandbox-priority-class';
import { JANITOR_IMAGE } from '../constructs/shared/janitor-image';
import {
  KubeSystemBaseline,
  KubeSystemBaselineProps,
} from '../constructs/k8s/kube-system-baseline';

/** Properties for {@link PlatformChart}. */
export interface PlatformChartProps extends ChartProps {
  /**
   * The sandbox janitor's image (kubectl and a POSIX sh), pinned by digest.
   *
   * @default JANITOR_IMAGE - the project's own busybox + kubectl image (scripts/build-images.sh);
   * push its archive to `JANITOR_IMAGE_REPOSITORY` or mirror it and set this
   */
  readonly janitorImage?: string;

  /**
   * Where the EKS add-ons in `kube-system` may connect (the API server, CoreDNS's upstream
   * resolvers, the AWS APIs): the {@link KubeSystemBaseline}'s props. Narrow its defaults to the
   * cluster's Service and VPC CIDRs when you know them.
   *
   * @default - the baseline's defaults: private (RFC 1918) ranges, 443 to the API server
   */
  readonly kubeSystem?: KubeSystemBaselineProps;

  /**
   * Karpenter runs the gVisor nodes (`gvisorCapacity: 'karpenter'` in the AWS environment): its
   * NodePool and EC2NodeClass, from the platform stack's outputs, and the kube-system policy its
   * controller needs. Karpenter itself (its Helm chart and CRDs) is installed separately.
   *
   * @default - none: the managed gVisor node group runs the nodes
   */
  readonly karpenter?: KarpenterGvisorPoolProps;
}

/**
 * Cluster-scoped pieces every sandbox relies on: the `gvisor` RuntimeClass, the sandbox
 * PriorityClass, the runner and auditor ClusterRoles, the admission policy pack, the sandbox janitor (its own namespace, CronJob, RBAC and admission policy), and the kube-system NetworkPolicy baseline that keeps the VPC CNI's strict mode from starving the add-ons. Applied once per cluster, before any sandbox.
 */
export class PlatformChart extends Chart {
  public readonly runtimeClass: GvisorRuntimeClass;
  public readonly priorityClass: SandboxPriorityClass;
  public readonly rbac: EvaluatorRbac;
  public readonly admission: SandboxAdmissionPolicies;
  public readonly janitor: SandboxJanitor;
  public readonly kubeSystem: KubeSystemBaseline;
  /** The Karpenter NodePool and EC2NodeClass, when `karpenter` is set. */
  public readonly gvisorPool?: KarpenterGvisorPool;

  constructor(scope: Construct, id: string, props: PlatformChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    this.runtimeClass = new GvisorRuntimeClass(this, 'RuntimeClass');
    this.priorityClass = new SandboxPriorityClass(this, 'PriorityClass');
    this.rbac = new EvaluatorRbac(this, 'Rbac');
    this.admission = new SandboxAdmissionPolicies(this, 'Admission');
    this.janitor = new SandboxJanitor(this, 'Janitor', {
      image: props.janitorImage ?? JANITOR_IMAGE,
    });
    this.kubeSystem = new KubeSystemBaseline(this, 'KubeSystem', {
      ...props.kubeSystem,
      karpenter: props.kubeSystem?.karpenter ?? props.karpenter !== undefined,
    });
    if (props.karpenter)
      this.gvisorPool = new KarpenterGvisorPool(this, 'GvisorPool', props.karpenter);
  }
}
