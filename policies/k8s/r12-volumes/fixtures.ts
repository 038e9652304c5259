// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
// No fixture for an ephemeral volume without a storage request: the API server's own validation
// refuses it before admission (the rule refuses it offline, so `policy check` gives the same answer).
import { KubeObject } from '../pack';
import { FixtureCase, bad, good } from '../fixtures/cases';

const R12 = 'SBX-R12-volumes';

/** A generic ephemeral volume asking for `storage`. */
export function ephemeralVolume(name: string, storage: string): KubeObject {
  return {
    name,
    ephemeral: {
      volumeClaimTemplate: {
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
      },
    },
  };
}

export const fixtures: FixtureCase[] = [
  good(R12, 'Pod', 'ephemeral-1gi', 'A 1Gi generic ephemeral scratch volume', (s) => {
    s.volumes.push(ephemeralVolume('work', '1Gi'));
  }),
  good(
    R12,
    'Job',
    'ephemeral-at-bound',
    'Two generic ephemeral volumes asking for exactly the bound together (10Gi + 10240Mi)',
    (s) => {
      s.volumes.push(ephemeralVolume('work', '10Gi'), ephemeralVolume('cache', '10240Mi'));
    },
  ),
  bad(
    R12,
    'Pod',
    'inline-csi',
    'An inline CSI volume: whatever the driver serves, with no claim a quota counts',
    (s) => {
      s.volumes.push({
        name: 'store',
        csi: {
          driver: 'secrets-store.csi.k8s.io',
          readOnly: true,
          volumeAttributes: { secretProviderClass: 'cloud-credentials' },
        },
      });
    },
  ),
  bad(R12, 'Job', 'ephemeral-16ti', 'A 16Ti generic ephemeral volume', (s) => {
    s.volumes.push(ephemeralVolume('work', '16Ti'));
  }),
  bad(
    R12,
    'Deployment',
    'ephemeral-sum-over-bound',
    'Two generic ephemeral volumes each under the bound, over it together (12Gi + 12Gi)',
    (s) => {
      s.volumes.push(ephemeralVolume('work', '12Gi'), ephemeralVolume('cache', '12Gi'));
    },
  ),
  bad(
    R12,
    'StatefulSet',
    'ephemeral-over-bound-by-a-byte',
    'A generic ephemeral volume one byte over the bound (21474836481)',
    (s) => {
      s.volumes.push(ephemeralVolume('work', '21474836481'));
    },
  ),
  bad(
    R12,
    'StatefulSet',
    'claim-template-16ti',
    'A claim template of 16Ti: one such claim per replica',
    (_s, w) => {
      w.spec.volumeClaimTemplates = [claimTemplate('data', '16Ti')];
    },
  ),
  good(R12, 'StatefulSet', 'claim-template-1gi', 'A 1Gi claim template', (_s, w) => {
    w.spec.volumeClaimTemplates = [claimTemplate('data', '1Gi')];
  }),
];

function claimTemplate(name: string, storage: string) {
  return {
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
  };
}
