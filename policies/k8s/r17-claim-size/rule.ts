import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celString } from '../rule';
import { present } from '../workload';

const ID = 'SBX-R17-claim-size';

export function rule(p: ResolvedParameters): AdmissionRule {
  const requests = 'object.spec.resources.requests';
  const set = `${present('object', 'spec', 'resources', 'requests')} && 'storage' in ${requests}`;
  return {
    id: ID,
    title: `A PersistentVolumeClaim in a sandbox namespace asks for at most ${p.maxVolumeStorage}`,
    blocks: `PersistentVolumeClaims created or resized in a sandbox namespace to more than ${p.maxVolumeStorage} of storage.`,
    why:
      'A claim is provisioned (and paid for) when it is bound, whatever the pod does with it; with a CSI ' +
      'driver installed, a 16Ti claim is a 16Ti volume. The namespace quota bounds the total ' +
      '(requests.storage, persistentvolumeclaims); this bounds each claim, including those the generic ' +
      'ephemeral volume and StatefulSet controllers create.',
    severity: 'high',
    enabledByDefault: true,
    scope: 'sandbox-namespaces',
    match: [
      { apiGroups: [''], resources: ['persistentvolumeclaims'], operations: ['CREATE', 'UPDATE'] },
    ],
    parameters: ['maxVolumeStorage'],
    bound: `a claim asks for at most ${p.maxVolumeStorage}`,
    validations: [
      {
        expression: `${set} && !quantity(string(${requests}.storage)).isGreaterThan(quantity(${celString(p.maxVolumeStorage)}))`,
        messageExpression:
          `'spec.resources.requests.storage: must be at most ${p.maxVolumeStorage}, got ' + ` +
          `(${set} ? string(${requests}.storage) : 'none') + ' [${ID}]'`,
      },
    ],
  };
}
