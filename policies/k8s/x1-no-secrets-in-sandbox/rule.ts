import { AdmissionRule } from '../rule';
import { everyContainer, podField, RUNNING_CONTAINER_LISTS, workloadRule } from '../workload';

const ID = 'SBX-X1-no-secrets-in-sandbox';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'No Kubernetes Secrets handed to sandbox pods (off by default)',
  blocks: 'Secret volumes, projected secret sources, and env or envFrom that read a Secret.',
  why:
    'Whatever the sandbox can read, the agent can exfiltrate. Off by default because some evaluations need ' +
    'an API key; turn it on where none do.',
  severity: 'medium',
  enabledByDefault: false,
  validations: [
    podField(
      ID,
      '!has(variables.spec.volumes) || variables.spec.volumes.all(v, !has(v.secret) && ' +
        '(!has(v.projected) || !has(v.projected.sources) || v.projected.sources.all(s, !has(s.secret))))',
      'volumes',
      'secret volumes are not allowed',
    ),
    ...everyContainer(
      ID,
      RUNNING_CONTAINER_LISTS,
      (c) =>
        `(!has(${c}.env) || ${c}.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef))) && ` +
        `(!has(${c}.envFrom) || ${c}.envFrom.all(e, !has(e.secretRef)))`,
      '.env',
      'must not read Secrets',
    ),
  ],
});
