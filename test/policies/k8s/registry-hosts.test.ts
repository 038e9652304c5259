/**
 * SBX-R2's registry host check: where Docker's rule puts the registry, which hosts a node must never
 * pull from, and the allowedRegistries parameter.
 */
import { compile, fromCel } from '../../../policies/k8s/cel';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { workload } from '../../../policies/k8s/fixtures/workloads';
import { registryOf, registryOk } from '../../../policies/k8s/r2-image-digest/rule';

const DIGEST = `@sha256:${'0123456789abcdef'.repeat(4)}`;
const check = compile(registryOk('i'));
const registry = compile(registryOf('i'));
const ok = (image: string) => fromCel(check({ i: image }));

describe('registry of an image reference (Docker: first segment with . or :, or localhost)', () => {
  test.each([
    ['registry.example.com/tasks/agent', 'registry.example.com'],
    ['registry.example.com:5000/tasks/agent', 'registry.example.com:5000'],
    ['[::1]:5000/agent', '[::1]:5000'],
    ['localhost/agent', 'localhost'],
    ['LocalHost/agent', 'localhost'],
    ['busybox', 'docker.io'],
    ['library/busybox', 'docker.io'],
    ['foo.bar', 'docker.io'],
    ['0x7f000001/agent', 'docker.io'],
  ])('%s is on %s', (image, expected) => {
    expect(fromCel(registry({ i: `${image}${DIGEST}` }))).toBe(expected);
  });
});

describe('registry hosts', () => {
  test.each([
    'registry.example.com/tasks/agent',
    'registry.example.com:5000/tasks/agent',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/agent',
    'ghcr.io/org/agent',
    'busybox',
    'docker.io/library/busybox',
    '10.20.0.5:5000/agent',
    '93.184.215.14/agent',
    '[2001:db8::1]:5000/agent',
    'localhost-registry.example.com/agent',
    'metadata.example.com/agent',
    'registry.v2.example.com/agent',
  ])('%s is allowed', (image) => {
    expect(ok(`${image}${DIGEST}`)).toBe(true);
  });

  test.each([
    ['localhost', 'localhost/agent'],
    ['localhost with a port', 'localhost:5000/agent'],
    ['a *.localhost name', 'registry.localhost/agent'],
    ['LOCALHOST in upper case', 'LOCALHOST/agent'],
    ['an /etc/hosts alias of the loopback', 'localhost4:5000/agent'],
    ['an /etc/hosts IPv6 alias', 'ip6-loopback:5000/agent'],
    ['the IPv4 loopback', '127.0.0.1:5000/agent'],
    ['another IPv4 loopback address', '127.10.0.1/agent'],
    ['the IPv6 loopback', '[::1]:5000/agent'],
    ['the IPv6 loopback without port', '[::1]/agent'],
    ['the IPv6 loopback written long', '[0:0:0:0:0:0:0:1]/agent'],
    ['the unspecified IPv4 address', '0.0.0.0:5000/agent'],
    ['an address in 0.0.0.0/8', '0.1.2.3:5000/agent'],
    ['the unspecified IPv6 address', '[::]:5000/agent'],
    ['IPv4 link-local', '169.254.10.1:5000/agent'],
    ['the VPC resolver', '169.254.169.253/agent'],
    ['the instance metadata service', '169.254.169.254/agent'],
    ['the Pod Identity agent', '169.254.170.23/agent'],
    ['IPv6 link-local', '[fe80::1]:5000/agent'],
    ['a zoned IPv6 address', '[fe80::1%25eth0]:5000/agent'],
    ['the IPv6 metadata service', '[fd00:ec2::254]/agent'],
    ['the IPv6 Pod Identity agent', '[fd00:ec2::23]:80/agent'],
    ['multicast', '224.0.0.251:5000/agent'],
    ['broadcast', '255.255.255.255:5000/agent'],
    ['an IPv4-mapped loopback', '[::ffff:7f00:1]:5000/agent'],
    ['an IPv4-mapped loopback, dotted', '[::ffff:127.0.0.1]:5000/agent'],
    ['a bracketed IPv4 address', '[127.0.0.1]:5000/agent'],
    ['an unbracketed IPv6 address', '::1/agent'],
    ['a short IPv4 form (127.1)', '127.1:5000/agent'],
    ['a 32-bit decimal host', '2130706433:5000/agent'],
    ['a hexadecimal host', '0x7f.1/agent'],
    ['a hexadecimal 32-bit host', '0x7f000001:5000/agent'],
    ['an octal host', '0177.0.0.1/agent'],
    ['leading zeros', '127.000.000.001/agent'],
    ['a name ending in a number', 'registry.example.1/agent'],
    ['EC2 instance-data', 'instance-data:80/agent'],
    ['EC2 instance-data.ec2.internal', 'instance-data.ec2.internal/agent'],
    ['EC2 regional instance-data', 'instance-data.us-east-1.compute.internal/agent'],
    ['GCE metadata', 'metadata.google.internal/agent'],
    ['GCE metadata short name', 'metadata:80/agent'],
    ['a trailing dot', 'localhost.:5000/agent'],
    ['a trailing dot after a name', 'registry.example.com./agent'],
    ['an underscore', 'my_registry.example.com/agent'],
    ['a port that is not a number', 'registry.example.com:http/agent'],
    ['an empty host', ':5000/agent'],
    ['an unclosed bracket', '[::1:5000/agent'],
  ])('%s (%s) is refused', (_what, image) => {
    expect(ok(`${image}${DIGEST}`)).toBe(false);
  });
});

describe('allowedRegistries', () => {
  const evaluator = PolicyEvaluator.forPack({
    parameters: { allowedRegistries: ['registry.example.com', 'mirror.example.com:5000'] },
  });
  const withImage = (image: string) => {
    const job = workload('Job', 'agent');
    job.spec.template.spec.containers[0].image = `${image}${DIGEST}`;
    return evaluator.evaluate(job);
  };

  test.each(['registry.example.com/tasks/agent', 'Mirror.Example.com:5000/tasks/agent'])(
    'GIVEN an allowed registry THEN %s is admitted',
    (image) => {
      expect(withImage(image)).toEqual({ admitted: true, violations: [] });
    },
  );

  test.each([
    ['another registry', 'ghcr.io/org/agent'],
    ['an allowed host on another port', 'mirror.example.com/tasks/agent'],
    ['docker.io, for a short name', 'busybox'],
    ['a subdomain of an allowed host', 'evil.registry.example.com/agent'],
  ])('GIVEN %s THEN %s is refused, naming the allowed registries', (_what, image) => {
    const verdict = withImage(image);
    expect(verdict.admitted).toBe(false);
    expect(verdict.violations).toEqual([
      {
        rule: 'SBX-R2-image-digest',
        message: expect.stringMatching(
          /^spec\.template\.spec\.containers\[agent\]\.image: .*must be one of registry\.example\.com, mirror\.example\.com:5000 \[SBX-R2-image-digest\]$/,
        ),
      },
    ]);
  });

  test('GIVEN an image volume from another registry THEN it is refused', () => {
    const job = workload('Job', 'agent');
    job.spec.template.spec.volumes.push({
      name: 'model',
      image: { reference: `ghcr.io/org/model${DIGEST}` },
    });
    const verdict = evaluator.evaluate(job);
    expect(verdict.violations.map((v) => v.message)).toEqual([
      expect.stringMatching(
        /^spec\.template\.spec\.volumes\[model\]\.image\.reference: registry host/,
      ),
    ]);
  });
});
