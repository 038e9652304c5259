// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good } from '../fixtures/cases';
import { HEX, container } from '../fixtures/workloads';

const R2 = 'SBX-R2-image-digest';

export const fixtures: FixtureCase[] = [
  good(R2, 'Pod', 'tag-and-digest', 'A tag before the digest is fine: the digest decides', (s) => {
    s.containers[0].image = `registry.example.com/tasks/agent:v1@sha256:${HEX}`;
  }),
  good(
    R2,
    'Job',
    'pinned-init-container',
    'An init container pinned by digest',
    (s) => (s.initContainers = [container('setup')]),
  ),
  bad(
    R2,
    'Pod',
    'tag-only',
    'A mutable tag',
    (s) => (s.containers[0].image = 'registry.example.com/tasks/agent:latest'),
  ),
  bad(R2, 'Job', 'init-container-tag', 'The init container uses a tag', (s) => {
    s.initContainers = [{ ...container('setup'), image: 'busybox:1.36' }];
  }),
  bad(
    R2,
    'CronJob',
    'uppercase-digest',
    'A digest in upper case is not the canonical form',
    (s) => {
      s.containers[0].image = `registry.example.com/tasks/agent@sha256:${HEX.toUpperCase()}`;
    },
  ),
  bad(
    R2,
    'Deployment',
    'bare-name',
    'No tag and no digest (implies :latest)',
    (s) => (s.containers[0].image = 'agent'),
  ),
  bad(R2, 'ReplicaSet', 'sha512', 'A digest of another algorithm', (s) => {
    s.containers[0].image = `registry.example.com/tasks/agent@sha512:${HEX}${HEX}`;
  }),
  bad(R2, 'StatefulSet', 'short-digest', 'A truncated digest', (s) => {
    s.containers[0].image = `registry.example.com/tasks/agent@sha256:${HEX.slice(0, 12)}`;
  }),
];
