import { AdmissionRule } from '../rule';
import { everyContainer, RUNNING_CONTAINER_LISTS, workloadRule } from '../workload';

const ID = 'SBX-R5-resource-limits';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'Every container has cpu, memory and ephemeral-storage limits',
  blocks: 'Containers and init containers without a limit for cpu, memory or ephemeral-storage.',
  why:
    'An unbounded agent can starve its neighbours or fill the node disk (an agent filled a node disk in a ' +
    'peer platform); limits make the kubelet stop it first.',
  severity: 'high',
  enabledByDefault: true,
  validations: everyContainer(
    ID,
    RUNNING_CONTAINER_LISTS,
    (c) =>
      `has(${c}.resources) && has(${c}.resources.limits) && ` +
      `['cpu', 'memory', 'ephemeral-storage'].all(r, r in ${c}.resources.limits)`,
    '.resources.limits',
    'must set cpu, memory and ephemeral-storage',
  ),
});
