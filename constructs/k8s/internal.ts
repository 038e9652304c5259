/**
 * Helpers shared by the cdk8s constructs. Not exported from the package.
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { ValidationError } from '../shared/errors';
import { COMPONENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../shared/labels';

/** Throws a {@link ValidationError} carrying the construct path when `problem` is set. */
export function check(scope: IConstruct, problem: string | undefined): void {
  if (problem !== undefined) throw new ValidationError(scope.node.path, problem);
}

/** The labels every object eval-sandbox emits carries. */
export function standardLabels(component: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [COMPONENT_LABEL]: component };
}

/** CPU in millicores, for comparisons. */
export function cpuMillis(cpu: kplus.Cpu): number {
  const amount = cpu.amount;
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
}

/** A size in KiB, for comparisons. */
export function sizeKib(size: Size): number {
  return size.toKibibytes();
}

/** A positive CPU amount, or a problem. */
export function checkCpu(field: string, cpu: kplus.Cpu): string | undefined {
  const millis = cpuMillis(cpu);
  if (!Number.isFinite(millis) || millis <= 0 || !Number.isInteger(millis)) {
    return `${field} must be a positive whole number of millicores; got '${cpu.amount}' (use Cpu.millis(500) or Cpu.units(1))`;
  }
  return undefined;
}

/** A positive size, or a problem. */
export function checkSize(field: string, size: Size): string | undefined {
  const kib = sizeKib(size);
  if (!Number.isFinite(kib) || kib <= 0) {
    return `${field} must be a positive size; got '${size.asString()}' (use Size.mebibytes(512) or Size.gibibytes(2))`;
  }
  return undefined;
}
