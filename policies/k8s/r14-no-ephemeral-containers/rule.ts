import { AdmissionRule } from '../rule';
import { podField, workloadRule } from '../workload';

const ID = 'SBX-R14-no-ephemeral-containers';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'No ephemeral containers in sandbox pods',
  blocks:
    'Ephemeral containers, whether added to a running pod through the pods/ephemeralcontainers ' +
    'subresource or written into a pod or template.',
  why:
    'An ephemeral container joins a running sandbox with no resource limits of its own and a root filesystem ' +
    'the read-only rule cannot govern; it is a debugging tool, and a sandbox under evaluation is not ' +
    'debugged in place.',
  severity: 'high',
  enabledByDefault: true,
  validations: [
    podField(
      ID,
      'size(variables.ephemeralContainers) == 0',
      'ephemeralContainers',
      'must be empty',
    ),
  ],
});
