/**
 * The shape of a Terraform rule: metadata beside logic, cdk-nag style.
 */
import { TfBlock, TfModel } from './model';

/** One problem on one resource. */
export interface TfFinding {
  readonly rule: string;
  /** Terraform address. */
  readonly resource: string;
  /** Construct path (from cdktf metadata), for acknowledgements and messages. */
  readonly path: string;
  readonly message: string;
}

export interface TfRule {
  /** Stable id, e.g. `SBX-TF1-eks-private-endpoint`. */
  readonly id: string;
  readonly title: string;
  /** Why it matters. */
  readonly why: string;
  readonly severity: 'error' | 'warning';
  /** The checkov checks and CIS EKS Benchmark controls it mirrors. */
  readonly mirrors: { readonly checkov: string[]; readonly cis?: string };
  /** The findings in a configuration (empty when compliant). */
  check(model: TfModel): TfFinding[];
}

/** A finding of `rule` on `block`. */
export function finding(rule: { id: string }, block: TfBlock, message: string): TfFinding {
  return {
    rule: rule.id,
    resource: block.address,
    path: block.path,
    message: `${block.address}: ${message}`,
  };
}
