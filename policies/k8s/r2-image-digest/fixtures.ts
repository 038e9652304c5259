// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good } from '../fixtures/cases';
import { HEX, container, workload } from '../fixtures/workloads';
import { KubeObject } from '../pack';

const R2 = 'SBX-R2-image-digest';

/** The agent image, pinned by digest, from `registry`. */
const from = (registry: string) => `${registry}/tasks/agent@sha256:${HEX}`;

/** Adds an image volume with `reference`, mounted read-only into the agent. */
const imageVolume = (s: KubeObject, reference: string) => {
  s.volumes.push({ name: 'model', image: { reference, pullPolicy: 'IfNotPresent' } });
  s.containers[0].volumeMounts.push({ name: 'model', mountPath: '/model', readOnly: true });
};

/** A registry host attack: the agent image, pinned by digest, from `registry`. */
const host = (
  kind: Parameters<typeof bad>[1],
  name: string,
  description: string,
  registry: string,
) => bad(R2, kind, name, description, (s) => (s.containers[0].image = from(registry)));

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
  good(
    R2,
    'Deployment',
    'registry-with-port',
    'A registry host with a port',
    (s) => (s.containers[0].image = from('registry.example.com:5000')),
  ),
  good(
    R2,
    'Job',
    'docker-hub-short-name',
    'A Docker Hub short name (docker.io/library/busybox)',
    (s) => (s.containers[0].image = `busybox@sha256:${HEX}`),
  ),
  good(
    R2,
    'StatefulSet',
    'private-address-registry',
    'A registry at a private address with a port',
    (s) => (s.containers[0].image = from('10.20.0.5:5000')),
  ),
  good(R2, 'Pod', 'pinned-image-volume', 'An image volume pinned by digest', (s) =>
    imageVolume(s, `registry.example.com/models/small@sha256:${HEX}`),
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
  bad(R2, 'Pod', 'image-volume-tag', 'An image volume by tag', (s) =>
    imageVolume(s, 'registry.example.com/models/small:latest'),
  ),
  // Registry hosts: the node pulls with its own network identity.
  host(
    'Pod',
    'registry-loopback',
    'A registry on the node loopback, with a port',
    '127.0.0.1:5000',
  ),
  host('Job', 'registry-localhost', 'A registry at localhost', 'localhost:5000'),
  host('Deployment', 'registry-ipv6-loopback', 'A registry at [::1]', '[::1]:5000'),
  host(
    'StatefulSet',
    'registry-link-local',
    'A registry at a link-local address',
    '169.254.10.1:5000',
  ),
  host(
    'ReplicaSet',
    'registry-imds',
    'The instance metadata service as a registry',
    '169.254.169.254',
  ),
  host(
    'CronJob',
    'registry-imds-ipv6',
    'The IPv6 instance metadata service as a registry',
    '[fd00:ec2::254]',
  ),
  host(
    'Pod',
    'registry-instance-data',
    'The EC2 metadata service by name',
    'instance-data.ec2.internal',
  ),
  host(
    'Job',
    'registry-gce-metadata',
    'The GCE metadata server by name',
    'metadata.google.internal',
  ),
  host(
    'Deployment',
    'registry-short-ipv4',
    'A two-part IPv4 literal (127.1 is 127.0.0.1)',
    '127.1:5000',
  ),
  host(
    'StatefulSet',
    'registry-decimal-ip',
    'A 32-bit decimal host (2130706433 is 127.0.0.1)',
    '2130706433:5000',
  ),
  host('ReplicaSet', 'registry-hex-ip', 'A hexadecimal host (0x7f.1 is 127.0.0.1)', '0x7f.1'),
  host('CronJob', 'registry-unspecified', 'The unspecified address 0.0.0.0', '0.0.0.0:5000'),
  host('Pod', 'registry-uppercase-localhost', 'LOCALHOST in upper case is a host too', 'LOCALHOST'),
  host(
    'Job',
    'registry-ipv4-mapped',
    'The loopback as an IPv4-mapped IPv6 address',
    '[::ffff:7f00:1]:5000',
  ),
  host(
    'Deployment',
    'registry-hosts-alias',
    'A loopback alias from /etc/hosts',
    'ip6-localhost:5000',
  ),
  bad(R2, 'Job', 'init-container-dot-localhost', 'An init container from *.localhost', (s) => {
    s.initContainers = [{ ...container('setup'), image: from('registry.localhost') }];
  }),
  bad(R2, 'Pod', 'image-volume-localhost', 'An image volume from localhost', (s) =>
    imageVolume(s, from('localhost:5000').replace('tasks/agent', 'models/small')),
  ),
  (() => {
    const running = workload('Pod', 'running-image-swap');
    const swapped = structuredClone(running);
    swapped.spec.containers[0].image = 'registry.example.com/tasks/agent:latest';
    return {
      rule: R2,
      verdict: 'bad' as const,
      name: 'pod-update-image-to-tag',
      description:
        'A running sandbox pod updated to a mutable tag: the image is the one field a pod update may change',
      object: swapped,
      request: { operation: 'UPDATE' as const, oldObject: running, as: 'attacker' as const },
    };
  })(),
];
