import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDnsLabel } from '../shared/validation';
import { check, standardLabels } from './internal';

/**
 * Properties for {@link SandboxIdentity}.
 */
export interface SandboxIdentityProps {
  /** The sandbox namespace the service account lives in. */
  readonly namespace: string;

  /**
   * Name of the service account.
   *
   * @default 'evaluator'
   */
  readonly name?: string;
}

/**
 * The identity sandbox pods run as: a ServiceAccount with `automountServiceAccountToken: false` and
 * no RBAC rights of its own. It exists so that pods do not share the namespace's `default`
 * account, and so that cloud-side identity (EKS Pod Identity) can be attached to exactly it.
 */
export class SandboxIdentity extends Construct {
  /** The service account name. */
  public readonly name: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The ServiceAccount; pass it to a workload's `serviceAccount`. */
  public readonly serviceAccount: kplus.ServiceAccount;

  constructor(scope: Construct, id: string, props: SandboxIdentityProps) {
    super(scope, id);
    this.name = props.name ?? 'evaluator';
    this.namespace = props.namespace;
    check(this, checkDnsLabel('name', this.name));
    check(this, checkDnsLabel('namespace', this.namespace));
    this.serviceAccount = new kplus.ServiceAccount(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels: standardLabels('identity') },
      automountToken: false,
    });
  }
}
