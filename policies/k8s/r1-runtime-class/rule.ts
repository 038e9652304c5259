import { GVISOR_RUNTIME_CLASS } from '../../../constructs/shared/platform';
import { AdmissionRule, celString } from '../rule';
import { present, workloadRule } from '../workload';

const ID = 'SBX-R1-runtime-class';
const RC = 'variables.spec.runtimeClassName';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: `Pods run under gVisor (runtimeClassName: ${GVISOR_RUNTIME_CLASS})`,
  blocks:
    'Pods and pod templates without the gVisor RuntimeClass, or with any other RuntimeClass; pod templates ' +
    'that bring their own spec.overhead (for Pods, RuntimeClass admission refuses it).',
  why:
    'gVisor is the boundary between an untrusted agent and the node kernel; a pod on runc shares the kernel ' +
    'and can reach every container escape the kernel has.',
  severity: 'critical',
  enabledByDefault: true,
  validations: [
    {
      expression: `${present('variables.spec', 'runtimeClassName')} && ${RC} == ${celString(GVISOR_RUNTIME_CLASS)}`,
      messageExpression:
        `variables.path + '.runtimeClassName: must be ${GVISOR_RUNTIME_CLASS}, got ' + ` +
        `(${present('variables.spec', 'runtimeClassName')} ? ${RC} : 'none') + ' [${ID}]'`,
    },
    {
      // RuntimeClass admission sets a Pod's overhead from its class and refuses one set by the client;
      // a template's would reach its pods only to be refused there, so refuse it when submitted.
      expression: "object.kind == 'Pod' || !has(variables.spec.overhead)",
      messageExpression: `variables.path + '.overhead: must not be set; it comes from the RuntimeClass [${ID}]'`,
    },
  ],
});
