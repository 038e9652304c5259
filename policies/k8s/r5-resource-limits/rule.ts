import { AdmissionRule, celString, celStringList } from '../rule';
import { ContainerList, RUNNING_CONTAINER_LISTS, workloadRule } from '../workload';

const ID = 'SBX-R5-resource-limits';

/** The resources every container must bound. */
export const BOUNDED_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

const RESOURCES = celStringList(BOUNDED_RESOURCES);
/** `quantity(x) > 0`, with the Kubernetes quantity library (x is an int-or-string). */
const positive = (x: string) => `quantity(string(${x})).isGreaterThan(quantity('0'))`;
const limitSet = (c: string, r: string) =>
  `has(${c}.resources) && has(${c}.resources.limits) && ${r} in ${c}.resources.limits`;
const requestSet = (c: string, r: string) =>
  `has(${c}.resources) && has(${c}.resources.requests) && ${r} in ${c}.resources.requests`;
const limitOk = (c: string, r: string) =>
  `(${limitSet(c, r)} && ${positive(`${c}.resources.limits[${r}]`)})`;
const requestOk = (c: string, r: string) =>
  `(!(${requestSet(c, r)}) || ${positive(`${c}.resources.requests[${r}]`)})`;

/**
 * One validation per container list. The message names each offending field with its value:
 * `spec.containers[agent].resources: limits.cpu is '0', limits.memory is not set; …`.
 */
function bounded(list: ContainerList): AdmissionRule['validations'][number] {
  const shown = (c: string, r: string, kind: 'limits' | 'requests') =>
    `${celString(`${kind}.`)} + ${r} + ${celString(" is '")} + string(${c}.resources.${kind}[${r}]) + ${celString("'")}`;
  const problems = (c: string) =>
    `${RESOURCES}.filter(r, !${limitOk(c, 'r')}).map(r, ${limitSet(c, 'r')} ? ${shown(c, 'r', 'limits')} : ` +
    `${celString('limits.')} + r + ${celString(' is not set')}) + ` +
    `${RESOURCES}.filter(r, !${requestOk(c, 'r')}).map(r, ${shown(c, 'r', 'requests')})`;
  const ok = (c: string) => `${RESOURCES}.all(r, ${limitOk(c, 'r')} && ${requestOk(c, 'r')})`;
  return {
    expression: `variables.${list}.all(c, ${ok('c')})`,
    messageExpression:
      `variables.${list}.filter(c, !(${ok('c')})).map(c, variables.path + ${celString(`.${list}[`)} + c.name + ` +
      `${celString('].resources: ')} + (${problems('c')}).join(', ')).join('; ') + ` +
      celString(
        `; cpu, memory and ephemeral-storage limits must be greater than zero, and requests too where set [${ID}]`,
      ),
  };
}

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'Every container has cpu, memory and ephemeral-storage limits greater than zero',
  blocks:
    'Containers and init containers without a limit for cpu, memory or ephemeral-storage, or with a limit ' +
    'or a request of zero (or less) for one of them.',
  why:
    'An unbounded agent can starve its neighbours or fill the node disk (an agent filled a node disk in a ' +
    'peer platform); limits make the kubelet stop it first. A limit of "0" is no bound (the kubelet reads ' +
    'a zero CPU limit as none) and counts nothing against the namespace quota, so presence is not enough: ' +
    'the limit is compared with the Kubernetes quantity library.',
  severity: 'high',
  enabledByDefault: true,
  bound:
    'cpu, memory and ephemeral-storage limits greater than zero on every container; requests, where set, greater than zero',
  validations: RUNNING_CONTAINER_LISTS.map(bounded),
});
