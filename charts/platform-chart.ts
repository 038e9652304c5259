import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { EvaluatorRbac } from '../constructs/k8s/evaluator-rbac';
import { GvisorRuntimeClass } from '../constructs/k8s/gvisor-runtime-class';
import { SandboxAdmissionPolicies } from '../constructs/k8s/sandbox-admission-policies';
import { SandboxPriorityClass } from '../constructs/k8s/sandbox-priority-class';

/**
 * Cluster-scoped pieces every sandbox relies on: the `gvisor` RuntimeClass, the sandbox
 * PriorityClass, the runner and auditor ClusterRoles, and the admission policy pack. Applied once per cluster, before any sandbox.
 */
export class PlatformChart extends Chart {
  public readonly runtimeClass: GvisorRuntimeClass;
  public readonly priorityClass: SandboxPriorityClass;
  public readonly rbac: EvaluatorRbac;
  public readonly admission: SandboxAdmissionPolicies;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    this.runtimeClass = new GvisorRuntimeClass(this, 'RuntimeClass');
    this.priorityClass = new SandboxPriorityClass(this, 'PriorityClass');
    this.rbac = new EvaluatorRbac(this, 'Rbac');
    this.admission = new SandboxAdmissionPolicies(this, 'Admission');
  }
}
