// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good } from '../fixtures/cases';
import { WorkloadKind, workload } from '../fixtures/workloads';

const R1 = 'SBX-R1-runtime-class';

export const fixtures: FixtureCase[] = [
  ...(['Pod', 'Job', 'CronJob', 'Deployment', 'StatefulSet', 'ReplicaSet'] as WorkloadKind[]).map(
    (k) => good(R1, k, 'compliant', `A ${k} that meets every rule of the pack`),
  ),
  bad(
    R1,
    'Pod',
    'no-runtime-class',
    'Runs on the default runtime (runc), sharing the node kernel',
    (s) => delete s.runtimeClassName,
  ),
  bad(R1, 'Job', 'runc', 'Names runc explicitly', (s) => (s.runtimeClassName = 'runc')),
  bad(
    R1,
    'CronJob',
    'no-runtime-class',
    'A CronJob whose pods would run on runc',
    (s) => delete s.runtimeClassName,
  ),
  bad(
    R1,
    'Deployment',
    'other-runtime',
    'Another sandbox runtime than the platform one',
    (s) => (s.runtimeClassName = 'kata'),
  ),
  bad(
    R1,
    'StatefulSet',
    'no-runtime-class',
    'A StatefulSet on runc',
    (s) => delete s.runtimeClassName,
  ),
  bad(R1, 'Job', 'own-overhead', 'A template that brings a tiny overhead of its own', (s) => {
    s.overhead = { cpu: '1m', memory: '1Ki' };
  }),
  (() => {
    const job = workload('Job', 'rc');
    return {
      rule: R1,
      verdict: 'bad' as const,
      name: 'replicationcontroller-runc',
      description: 'The oldest controller kind still runs pods: a ReplicationController on runc',
      object: {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'legacy' },
        spec: {
          replicas: 1,
          selector: { app: 'agent' },
          template: {
            ...job.spec.template,
            spec: { ...job.spec.template.spec, restartPolicy: 'Always', runtimeClassName: 'runc' },
          },
        },
      },
    };
  })(),
];
