import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SANDBOX_PRIORITY_CLASS } from '../shared/platform';
import { checkInteger } from '../shared/validation';
import { check, standardLabels } from './internal';

/**
 * Properties for {@link SandboxPriorityClass}.
 */
export interface SandboxPriorityClassProps {
  /**
   * The priority value of sandbox pods. Keep it at or below your other workloads' so that the
   * scheduler never favours an agent over them. Must be at most 1,000,000,000 (higher values are
   * reserved for system classes).
   *
   * @default 0 (the value of pods without a class)
   */
  readonly value?: number;
}

/**
 * The PriorityClass of sandbox pods (`eval-sandbox-sandbox`): a low value and `preemptionPolicy:
 * Never`, so an agent waits for capacity instead of evicting another tenant. Sandbox pods may name
 * this class or none (admission rule SBX-R11); every sandbox quota refuses pods of any other class.
 */
export class SandboxPriorityClass extends Construct {
  /** The class name pods refer to (`priorityClassName`). */
  public readonly name: string = SANDBOX_PRIORITY_CLASS;
  /** The priority value. */
  public readonly value: number;
  /** The underlying PriorityClass object (escape hatch). */
  public readonly resource: kplus.k8s.KubePriorityClass;

  constructor(scope: Construct, id: string, props: SandboxPriorityClassProps = {}) {
    super(scope, id);
    this.value = props.value ?? 0;
    check(this, checkInteger('value', this.value, -2_147_483_648, 1_000_000_000));
    this.resource = new kplus.k8s.KubePriorityClass(this, 'Resource', {
      metadata: { name: this.name, labels: standardLabels('priority-class') },
      value: this.value,
      preemptionPolicy: 'Never',
      globalDefault: false,
      description:
        'eval-sandbox: untrusted agent runs. Never preempts other pods; the only class sandbox pods may use.',
    });
  }
}
