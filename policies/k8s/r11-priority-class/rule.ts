import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celString } from '../rule';
import { podField, present, workloadRule } from '../workload';

const ID = 'SBX-R11-priority-class';

export function rule(p: ResolvedParameters): AdmissionRule {
  const name = 'variables.spec.priorityClassName';
  return workloadRule({
    id: ID,
    title: `Sandbox pods use the sandbox PriorityClass (${p.sandboxPriorityClass}) or none`,
    blocks:
      'Pods and pod templates naming any other PriorityClass, system-node-critical and ' +
      'system-cluster-critical included.',
    why:
      'A critical class lets the agent preempt other tenants, gives it an OOM score of −997 and keeps the ' +
      'kubelet from evicting it, so ephemeral-storage and emptyDir limits stop being enforced. The sandbox ' +
      'class has a low value and preemptionPolicy Never; a quota scoped to every other class (pods: 0) is ' +
      'the second layer.',
    severity: 'high',
    enabledByDefault: true,
    parameters: ['sandboxPriorityClass'],
    bound: `priorityClassName is ${p.sandboxPriorityClass} or unset`,
    validations: [
      podField(
        ID,
        `!(${present('variables.spec', 'priorityClassName')}) || ${name} == '' || ${name} == ${celString(p.sandboxPriorityClass)}`,
        'priorityClassName',
        `must be ${p.sandboxPriorityClass} or unset`,
      ),
    ],
  });
}
