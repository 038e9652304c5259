import { isStrictCidr, isStrictIp, planEgressCidr } from '../../../constructs/shared/network';
import { INSTANCE_METADATA_CIDRS } from '../../../constructs/shared/platform';

describe('planEgressCidr', () => {
  test.each([
    ['an ordinary private range', '10.20.0.0/16', '10.20.0.0/16', []],
    ['a single host', '93.184.215.14/32', '93.184.215.14/32', []],
    ['the whole IPv4 internet', '0.0.0.0/0', '0.0.0.0/0', ['169.254.0.0/16']],
    ['a range containing link-local', '169.0.0.0/8', '169.0.0.0/8', ['169.254.0.0/16']],
    [
      'the whole IPv6 internet',
      '::/0',
      '::/0',
      ['fd00:ec2::254/128', 'fd00:ec2::23/128', 'fe80::/10'],
    ],
    [
      'the AWS IPv6 service range',
      'fd00:ec2::/32',
      'fd00:ec2::/32',
      ['fd00:ec2::254/128', 'fd00:ec2::23/128'],
    ],
    ['an IPv6 range in upper case', '2001:DB8::/32', '2001:db8::/32', []],
  ])(
    'GIVEN %s THEN it is allowed with the metadata ranges excepted',
    (_what, input, cidr, except) => {
      expect(planEgressCidr('cidr', input)).toEqual({ cidr, except });
    },
  );

  test.each(INSTANCE_METADATA_CIDRS.map((c) => [c]))(
    'GIVEN the metadata endpoint %s THEN it is refused',
    (cidr) => {
      expect(planEgressCidr('cidr', cidr).problem).toMatch(
        /lies inside the link-local or instance-metadata range/,
      );
    },
  );

  test.each([
    ['IPv4 link-local', '169.254.0.0/16'],
    ['a part of IPv4 link-local', '169.254.169.0/24'],
    ['IPv6 link-local', 'fe80::/64'],
  ])('GIVEN %s THEN it is refused, never silently narrowed', (_what, cidr) => {
    const plan = planEgressCidr('egress[0].cidr', cidr);
    expect(plan.problem).toMatch(
      /^egress\[0\]\.cidr '.*' lies inside .* remove it from the allowlist$/,
    );
    expect(plan.except).toEqual([]);
  });

  test('GIVEN host bits set THEN the problem names the network address to use', () => {
    expect(planEgressCidr('cidr', '10.0.0.1/8').problem).toBe(
      "cidr '10.0.0.1/8' has host bits set; use the network address '10.0.0.0/8'",
    );
  });

  test.each(['10.0.0.0', '10.0.0.0/33', 'example.com/24', '', '::/129'])(
    'GIVEN %p THEN it is not a CIDR',
    (cidr) => {
      expect(planEgressCidr('cidr', cidr).problem).toMatch(/is not a CIDR/);
    },
  );
});

describe('strict address syntax (as Kubernetes parses it)', () => {
  test.each(['1.2.3.4', '0.0.0.0', '255.255.255.255', 'fd00:ec2::254', '::', '2001:db8::1'])(
    '%s is an IP',
    (ip) => {
      expect(isStrictIp(ip)).toBe(true);
    },
  );
  test.each(['1.2.3', '010.0.0.1', '0x1.2.3.4', '256.1.1.1', 'fe80::1%eth0', '', 'example.com'])(
    '%p is not an IP',
    (ip) => {
      expect(isStrictIp(ip)).toBe(false);
    },
  );
  test.each(['10.0.0.0/8', '::/0', '0.0.0.0/0'])('%s is a CIDR', (c) =>
    expect(isStrictCidr(c)).toBe(true),
  );
  test.each(['10.0/8', '1.2.3/24', '10.0.0.0/33', '10.0.0.0/', '/8', '10.0.0.0/08a'])(
    '%p is not a CIDR',
    (c) => {
      expect(isStrictCidr(c)).toBe(false);
    },
  );
  test('a lenient IPv4 form is refused by planEgressCidr', () => {
    expect(planEgressCidr('cidr', '10.0/8').problem).toMatch(/is not a CIDR/);
  });
});
