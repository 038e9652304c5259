import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { EvaluatorRbac } from '../constructs/k8s/evaluator-rbac';
import { GvisorRuntimeClass } from '../constructs/k8s/gvisor-runtime-class';

/**
 * Cluster-scoped pieces every sandbox relies on: the `gvisor` RuntimeClass and the runner and
 * auditor ClusterRoles. Applied once per cluster, before any sandbox.
 */
export class PlatformChart extends Chart {
  public readonly runtimeClass: GvisorRuntimeClass;
  public readonly rbac: EvaluatorRbac;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    this.runtimeClass = new GvisorRuntimeClass(this, 'RuntimeClass');
    this.rbac = new EvaluatorRbac(this, 'Rbac');
  }
}
