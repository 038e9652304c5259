import { compile, fromCel, toCel } from '../../../policies/k8s/cel';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';

const run = (expression: string, bindings: Record<string, unknown> = {}) =>
  fromCel(compile(expression)(bindings));

describe('CEL environment', () => {
  test.each<[string, boolean]>([
    ["cidr('0.0.0.0/0').containsIP(ip('169.254.169.254'))", true],
    ["cidr('169.254.0.0/16').containsIP(ip('169.254.170.23'))", true],
    ["cidr('10.0.0.0/8').containsIP(ip('169.254.169.254'))", false],
    ["cidr('::/0').containsIP(ip('fd00:ec2::254'))", true],
    ["cidr('::/0').containsIP(ip('169.254.169.254'))", false],
    ["cidr('0.0.0.0/0').containsIP(ip('fd00:ec2::254'))", false],
    ["cidr('10.0.0.0/8').containsIP('10.1.2.3')", true],
    ["cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", true],
    ["cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')", false],
    ["isIP('fd00:ec2::254')", true],
    ["isIP('nope')", false],
    ["isCIDR('10.0.0.0/8')", true],
    ["isCIDR('10.0.0.0/33')", false],
  ])('%s is %s', (expression, expected) => {
    expect(run(expression)).toBe(expected);
  });

  test.each(["cidr('nope')", "ip('1.2.3')", "ip('::ffff:169.254.169.254')"])(
    '%s is an error, as in the API server',
    (expression) => {
      expect(() => run(expression)).toThrow();
    },
  );

  test('strings extension and regex work as the rules use them', () => {
    expect(run("['a', 'b'].join(', ')")).toBe('a, b');
    expect(run("'img@sha256:' + x", { x: 'f'.repeat(64) })).toBe(`img@sha256:${'f'.repeat(64)}`);
    expect(
      run("s.matches('^[^@\\\\s]+@sha256:[a-f0-9]{64}$')", { s: `a/b@sha256:${'0'.repeat(64)}` }),
    ).toBe(true);
    expect(run("s.matches('^[^@\\\\s]+@sha256:[a-f0-9]{64}$')", { s: 'a/b:latest' })).toBe(false);
  });

  test('JSON numbers become CEL int when whole, so int comparisons behave as in Kubernetes', () => {
    expect(run('o.n == 0 && type(o.n) == int', { o: toCel({ n: 0 }) })).toBe(true);
    expect(run('type(o.x) == double', { o: toCel({ x: 0.5 }) })).toBe(true);
  });

  test('a CEL parse error names the expression', () => {
    expect(() => compile('a +')).toThrow(/CEL parse error in 'a \+'/);
  });
});

describe('evaluation errors fail closed', () => {
  test('GIVEN a NetworkPolicy whose ipBlock is not a CIDR THEN it is refused (failurePolicy Fail)', () => {
    const verdict = PolicyEvaluator.forPack().evaluate({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'bad' },
      spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: 'not-a-cidr' } }] }] },
    });
    expect(verdict.admitted).toBe(false);
    expect(verdict.violations[0].rule).toBe('SBX-R10-no-metadata-egress');
    expect(verdict.violations[0].message).toMatch(
      /^expression error \(failurePolicy Fail\): .*not-a-cidr/,
    );
  });
});
