import { AdmissionRule } from '../rule';
import { equals, podField, workloadRule } from '../workload';

const ID = 'SBX-R4-no-service-account-token';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'No Kubernetes API credentials in the sandbox',
  blocks:
    'Pods that do not set automountServiceAccountToken: false, and projected volumes with a serviceAccountToken source.',
  why: 'A token lets the agent talk to the API server as the pod identity: the first step of most escapes.',
  severity: 'high',
  enabledByDefault: true,
  validations: [
    podField(
      ID,
      equals('false', 'variables.spec', 'automountServiceAccountToken'),
      'automountServiceAccountToken',
      'must be false',
    ),
    podField(
      ID,
      '!has(variables.spec.volumes) || variables.spec.volumes.all(v, !has(v.projected) || !has(v.projected.sources) || ' +
        'v.projected.sources.all(s, !has(s.serviceAccountToken)))',
      'volumes',
      'projected serviceAccountToken sources are not allowed',
    ),
  ],
});
