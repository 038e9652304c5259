// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { KubeObject } from '../pack';
import { FixtureCase } from '../fixtures/cases';

const R17 = 'SBX-R17-claim-size';

function claim(name: string, storage: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
  };
}

export const fixtures: FixtureCase[] = [
  {
    rule: R17,
    verdict: 'good',
    name: 'persistentvolumeclaim-1gi',
    description: 'A 1Gi claim',
    object: claim('work', '1Gi'),
  },
  {
    rule: R17,
    verdict: 'bad',
    name: 'persistentvolumeclaim-16ti',
    description: 'A 16Ti claim: provisioned, and paid for, once bound',
    object: claim('huge', '16Ti'),
  },
];
