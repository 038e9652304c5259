import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_NODE_TAINT_EFFECT,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_NODE_TAINT_VALUE,
} from '../shared/labels';
import { GVISOR_RUNTIME_CLASS, GVISOR_RUNTIME_HANDLER } from '../shared/platform';
import { check, checkCpu, checkSize, standardLabels } from './internal';

/**
 * Properties for {@link GvisorRuntimeClass}.
 */
export interface GvisorRuntimeClassProps {
  /**
   * CPU the scheduler reserves per pod for gVisor itself (the Sentry and Gofer), on top of the
   * pod's containers. Counted against ResourceQuota too.
   *
   * @default Cpu.millis(100)
   */
  readonly overheadCpu?: kplus.Cpu;

  /**
   * Memory reserved per pod for gVisor itself, on top of the pod's containers.
   *
   * @default Size.mebibytes(128)
   */
  readonly overheadMemory?: Size;
}

/** The default per-pod CPU overhead of the gVisor RuntimeClass. */
export const DEFAULT_GVISOR_OVERHEAD_CPU = kplus.Cpu.millis(100);
/** The default per-pod memory overhead of the gVisor RuntimeClass. */
export const DEFAULT_GVISOR_OVERHEAD_MEMORY = Size.mebibytes(128);

/**
 * The `gvisor` RuntimeClass: pods that name it run under gVisor (`runsc`) on the dedicated,
 * tainted sandbox node pool and nowhere else.
 *
 * `scheduling.nodeSelector` and `scheduling.tolerations` are merged into every pod of this class by
 * the RuntimeClass admission controller, so a sandbox pod needs no node affinity of its own, and
 * `overhead.podFixed` makes the scheduler and quotas account for gVisor's own footprint.
 */
export class GvisorRuntimeClass extends Construct {
  /** The RuntimeClass name pods refer to (`runtimeClassName`). */
  public readonly name: string = GVISOR_RUNTIME_CLASS;
  /** The containerd handler on the node (`runsc`). */
  public readonly handler: string = GVISOR_RUNTIME_HANDLER;
  /** The per-pod CPU overhead. */
  public readonly overheadCpu: kplus.Cpu;
  /** The per-pod memory overhead. */
  public readonly overheadMemory: Size;
  /** The underlying RuntimeClass object (escape hatch). */
  public readonly resource: kplus.k8s.KubeRuntimeClass;

  constructor(scope: Construct, id: string, props: GvisorRuntimeClassProps = {}) {
    super(scope, id);
    this.overheadCpu = props.overheadCpu ?? DEFAULT_GVISOR_OVERHEAD_CPU;
    this.overheadMemory = props.overheadMemory ?? DEFAULT_GVISOR_OVERHEAD_MEMORY;
    check(this, checkCpu('overheadCpu', this.overheadCpu));
    check(this, checkSize('overheadMemory', this.overheadMemory));

    this.resource = new kplus.k8s.KubeRuntimeClass(this, 'Resource', {
      metadata: { name: this.name, labels: standardLabels('runtime') },
      handler: this.handler,
      overhead: {
        podFixed: {
          cpu: kplus.k8s.Quantity.fromString(this.overheadCpu.amount),
          memory: kplus.k8s.Quantity.fromString(this.overheadMemory.asString()),
        },
      },
      scheduling: {
        nodeSelector: { [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE },
        tolerations: [
          {
            key: SANDBOX_NODE_TAINT_KEY,
            operator: 'Equal',
            value: SANDBOX_NODE_TAINT_VALUE,
            effect: SANDBOX_NODE_TAINT_EFFECT,
          },
        ],
      },
    });
  }
}
