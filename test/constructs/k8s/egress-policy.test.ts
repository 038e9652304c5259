import {
  EgressPolicy,
  EgressPolicyProps,
  EgressProtocol,
} from '../../../constructs/k8s/egress-policy';
import { expectValidationError, newChart, only, synth } from '../../support/k8s';

function build(props: Partial<EgressPolicyProps> = {}) {
  const chart = newChart();
  const policy = new EgressPolicy(chart, 'Mirror', {
    namespace: 'sbx-1',
    cidr: '10.20.0.0/16',
    ports: [443],
    ...props,
  });
  return { policy, np: only(synth(chart), 'NetworkPolicy') };
}

describe('EgressPolicy', () => {
  test('GIVEN a CIDR and ports THEN every pod of the namespace may reach them over TCP, nothing else', () => {
    const { policy, np } = build();
    expect(np.metadata).toMatchObject({ name: 'allow-egress-mirror', namespace: 'sbx-1' });
    expect(np.spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      ],
    });
    expect(policy.protocol).toBe(EgressProtocol.TCP);
    expect(policy.except).toEqual([]);
  });

  test('GIVEN a name THEN it is used', () => {
    expect(build({ name: 'to-mirror' }).np.metadata.name).toBe('to-mirror');
  });

  test('GIVEN UDP THEN the ports use it', () => {
    expect(build({ protocol: EgressProtocol.UDP, ports: [123] }).np.spec.egress[0].ports).toEqual([
      { protocol: 'UDP', port: 123 },
    ]);
  });

  test('GIVEN allowAllPorts THEN the rule has no port restriction but still excepts metadata', () => {
    const { np, policy } = build({ cidr: 'fd00:ec2::/32', ports: undefined, allowAllPorts: true });
    expect(np.spec.egress).toEqual([
      {
        to: [
          { ipBlock: { cidr: 'fd00:ec2::/32', except: ['fd00:ec2::254/128', 'fd00:ec2::23/128'] } },
        ],
      },
    ]);
    expect(policy.ports).toEqual([]);
  });

  test('GIVEN a non-canonical IPv6 CIDR THEN the canonical form is emitted', () => {
    expect(build({ cidr: 'FD12:3456:0::/48' }).np.spec.egress[0].to[0].ipBlock.cidr).toBe(
      'fd12:3456::/48',
    );
  });

  test.each<[string, Partial<EgressPolicyProps>, RegExp]>([
    [
      'no ports',
      { ports: [] },
      /Mirror: ports is empty for '10.20.0.0\/16'; list the destination ports .* or set allowAllPorts: true/,
    ],
    ['ports and allowAllPorts', { allowAllPorts: true }, /set either ports or allowAllPorts/],
    ['port 0', { ports: [0] }, /ports\[0\] must be a whole number from 1 to 65535; got 0/],
    [
      'port 70000',
      { ports: [443, 70000] },
      /ports\[1\] must be a whole number from 1 to 65535; got 70000/,
    ],
    ['an invalid CIDR', { cidr: '10.0.0.0/40' }, /cidr '10.0.0.0\/40' is not a CIDR/],
    ['host bits set', { cidr: '10.20.1.0/16' }, /use the network address '10.20.0.0\/16'/],
    [
      'the pod identity agent',
      { cidr: '169.254.170.23/32' },
      /lies inside the link-local or instance-metadata range '169.254.170.23\/32'/,
    ],
    [
      'the IPv6 metadata service',
      { cidr: 'fd00:ec2::254/128' },
      /lies inside the link-local or instance-metadata range 'fd00:ec2::254\/128'/,
    ],
    ['an invalid name', { name: 'To Mirror' }, /name 'To Mirror' is not a valid name/],
  ])('GIVEN %s THEN it throws', (_what, props, message) => {
    expectValidationError(() => build(props), message);
  });

  test('snapshot', () => {
    expect(build({ cidr: '10.0.0.0/8' }).np).toMatchSnapshot();
  });
});
