import fc from 'fast-check';
import { compile, fromCel, toCel } from '../../../policies/k8s/cel';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { workload } from '../../../policies/k8s/fixtures/workloads';
import { KubeObject } from '../../../policies/k8s/pack';
import { buildPolicyPack } from '../../../policies/k8s/pack';

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

  test.each([
    "cidr('nope')",
    "ip('1.2.3')",
    "ip('::ffff:169.254.169.254')",
    "cidr('::ffff:169.254.169.254/128')",
    "cidr('::ffff:0:0/96')",
    "cidr('10.0.0.0/08')",
    "cidr('0169.254.0.0/16')",
    "ip('fe80::1%eth0')",
    "cidr('10.0.0.0/8').containsIP('10.0.0.1/32')",
  ])('%s is an error, as in the API server', (expression) => {
    expect(() => run(expression)).toThrow();
  });

  // Expected values from net/netip, which the API server's library (ip.go, cidr.go) wraps.
  test.each<[string, unknown]>([
    ["isCIDR('::ffff:169.254.169.254/128')", false],
    ["isIP('::ffff:a9fe:a9fe')", false],
    ["string(ip('FD00:EC2:0:0:0:0:0:254'))", 'fd00:ec2::254'],
    ["string(ip('::1.2.3.4'))", '::102:304'],
    ["string(ip('2001:db8:0:0:1:0:0:1'))", '2001:db8::1:0:0:1'],
    ["string(cidr('FE80::/10'))", 'fe80::/10'],
    ["string(cidr('169.254.169.254/16'))", '169.254.169.254/16'],
    ["string(cidr('169.254.169.254/16').masked())", '169.254.0.0/16'],
    ["string(cidr('fe80::1/10').masked())", 'fe80::/10'],
    ["string(cidr('169.254.169.254/16').ip())", '169.254.169.254'],
    ["cidr('10.0.0.0/8').prefixLength()", 8],
    ["ip('10.0.0.1').family()", 4],
    ["ip('::1').family()", 6],
    ["ip('127.0.0.2').isLoopback()", true],
    ["ip('::1').isLoopback()", true],
    ["ip('::2').isLoopback()", false],
    ["ip('169.254.169.253').isLinkLocalUnicast()", true],
    ["ip('febf::1').isLinkLocalUnicast()", true],
    ["ip('fec0::1').isLinkLocalUnicast()", false],
    ["ip('224.0.0.251').isLinkLocalMulticast()", true],
    ["ip('ff32::1').isLinkLocalMulticast()", true],
    ["ip('0.0.0.0').isUnspecified()", true],
    ["ip('::').isUnspecified()", true],
    ["ip('10.0.0.1').isGlobalUnicast()", true],
    ["ip('fd00:ec2::254').isGlobalUnicast()", true],
    ["ip('255.255.255.255').isGlobalUnicast()", false],
    ["ip('239.1.1.1').isGlobalUnicast()", false],
    ["ip('169.254.169.254').isGlobalUnicast()", false],
    ["cidr('::/0').containsCIDR('fe80::/10')", true],
    ["cidr('0.0.0.0/0').containsCIDR('fe80::/10')", false],
  ])('%s is %p, as in the API server', (expression, expected) => {
    expect(run(expression)).toBe(expected);
  });

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
  const NETWORK_POLICY = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'bad' },
    // The gateway's selector, so only SBX-R10 answers (SBX-R19 refuses what it cannot read as private).
    spec: {
      podSelector: { matchLabels: { 'eval-sandbox.io/egress-gateway': 'true' } },
      egress: [{ to: [{ ipBlock: { cidr: 'not-a-cidr' } }] }],
    },
  };

  test('GIVEN a NetworkPolicy whose ipBlock is not a CIDR THEN SBX-R10 refuses it, naming it', () => {
    const verdict = PolicyEvaluator.forPack().evaluate(NETWORK_POLICY);
    expect(verdict.admitted).toBe(false);
    expect(verdict.violations).toEqual([
      {
        rule: 'SBX-R10-no-metadata-egress',
        message: expect.stringMatching(/^spec\.egress\.to\.ipBlock: not-a-cidr .*canonical/),
      },
    ]);
  });

  test('GIVEN a validation that errors THEN the request is refused (failurePolicy Fail)', () => {
    const [pair] = buildPolicyPack().filter((p) => p.rule.id === 'SBX-R10-no-metadata-egress');
    const failing = structuredClone(pair);
    failing.policy.spec.validations = [
      {
        expression: "cidr(object.spec.egress[0].to[0].ipBlock.cidr) == cidr('::/0')",
        messageExpression: "'x'",
      },
    ];
    const verdict = new PolicyEvaluator([failing]).evaluate(NETWORK_POLICY);
    expect(verdict.admitted).toBe(false);
    expect(verdict.violations[0].message).toMatch(
      /^expression error \(failurePolicy Fail\): .*not-a-cidr/,
    );
  });
});

// Expected values are what k8s.io/apiserver v0.35.4 answers (the API server's own CEL environment,
// environment.MustBaseEnvSet(1.35), evaluating the same expressions): its quirks included, so that
// `policy check` and the cluster agree even where resource.Quantity surprises.
describe('Kubernetes quantity library, as in the API server', () => {
  test.each<[string, unknown]>([
    // Parsing: decimal and binary SI suffixes, exponents, signs, and what ParseQuantity lets through.
    ["isQuantity('1.3G')", true],
    ["isQuantity('1,3G')", false],
    ["isQuantity('200K')", false],
    ["isQuantity('Mi')", true],
    ["isQuantity('')", false],
    ["isQuantity('.')", true],
    ["isQuantity('+')", true],
    ["isQuantity('1.G')", true],
    ["isQuantity('.Pi')", false],
    ["isQuantity('1e3')", true],
    ["isQuantity('1E3')", true],
    ["isQuantity('1e')", false],
    ["isQuantity('1ki')", false],
    ["isQuantity(' 1')", false],
    ["isQuantity('1e1.5')", false],
    ["quantity('1e3').asInteger()", 1000],
    ["quantity('1E3').asInteger()", 1000],
    ["quantity('12Mi').asInteger()", 12582912],
    ["quantity('1.G').asInteger()", 1000000000],
    ["quantity('-').asInteger()", 0],
    // Comparison is exact: SI versus binary, nano rounding (up, away from zero), the binary cap.
    ["quantity('200M').compareTo(quantity('0.2G'))", 0],
    ["quantity('50M').compareTo(quantity('50Mi'))", -1],
    ["quantity('1k').compareTo(quantity('1Ki'))", -1],
    ["quantity('1Ki').compareTo(quantity('1024'))", 0],
    ["quantity('0.1n').compareTo(quantity('1n'))", 0],
    ["quantity('1.5n').compareTo(quantity('2n'))", 0],
    ["quantity('-0.1n').compareTo(quantity('-1n'))", 0],
    ["quantity('1e-10').compareTo(quantity('1n'))", 0],
    ["quantity('9Ei').compareTo(quantity('9223372036854775807'))", 0],
    ["quantity('-9Ei').compareTo(quantity('-9223372036854775807'))", 0],
    ["quantity('9E').compareTo(quantity('9223372036854775807'))", -1],
    ["quantity('0').compareTo(quantity('-0'))", 0],
    ["quantity('16Ti').isGreaterThan(quantity('20Gi'))", true],
    ["quantity('20Gi').isGreaterThan(quantity('20Gi'))", false],
    ["quantity('21474836481').isGreaterThan(quantity('20Gi'))", true],
    ["quantity('1n').isGreaterThan(quantity('0'))", true],
    ["quantity('0').isGreaterThan(quantity('0'))", false],
    ["quantity('50M').isLessThan(quantity('100M'))", true],
    ["sign(quantity('0'))", 0],
    ["sign(quantity('-0.5'))", -1],
    ["sign(quantity('1Pi'))", 1],
    // Arithmetic.
    ["quantity('50k').add(quantity('20k')) == quantity('70k')", true],
    ["quantity('50k').add(20) == quantity('50020')", true],
    ["quantity('50k').sub(20000) == quantity('30k')", true],
    ["quantity('50k').add(20).sub(quantity('100k')).sub(-50000) == quantity('20')", true],
    ["quantity('1k').add(quantity('1')).asInteger()", 1001],
    ["quantity('9223372036854775807').add(1).compareTo(quantity('9223372036854775808'))", 0],
    // isInteger depends on how resource.Quantity holds the value, not only on the value.
    ["quantity('0').isInteger()", true],
    ["quantity('999999999999999999').isInteger()", true],
    ["quantity('1000m').isInteger()", false],
    ["quantity('1.0').isInteger()", false],
    ["quantity('1Pi').isInteger()", false],
    ["quantity('2.5Ki').isInteger()", false],
    ["quantity('1000000000000000000').isInteger()", false],
    ["quantity('9223372036854775807').add(1).isInteger()", false],
    ["quantity('1m').add(quantity('999m')).isInteger()", false],
    // Equality is by value; a result of add()/sub() on the right is "no such overload" there.
    ["quantity('1') == quantity('1000m')", true],
    ["quantity('1') != quantity('1000m')", false],
    ["quantity('2') != quantity('1').add(1)", true],
    ["quantity('1').add(1) != quantity('2')", false],
    ["dyn(quantity('1')) != '1'", true],
    ["dyn(quantity('1')) == null", false],
    ["'1' == dyn(quantity('1'))", false],
    ["quantity('1') in [quantity('1000m')]", true],
    ["quantity('1') in [quantity('1').add(0)]", false],
    ["quantity('1').add(0) in [quantity('1')]", true],
    ["[quantity('1')] == [quantity('1000m')]", true],
    ["[quantity('1')] == [quantity('2')]", false],
    // A comparison with an inf.Dec turns the receiver into one; add() on an inf.Dec changes it in place.
    ["[quantity('1')].all(x, x.isLessThan(quantity('1Pi')) && x.isInteger())", false],
    ["[quantity('1')].all(x, quantity('1Pi').isGreaterThan(x) && x.isInteger())", true],
    ["[quantity('1Pi')].all(x, x.add(quantity('1')) == x)", true],
    ["[quantity('1Pi')].all(x, x.sub(1) == x)", true],
    ["[quantity('1')].all(x, x.add(quantity('1')) == x)", false],
    // Far-apart exponents compare without expanding them (the API server expands 10^2147483647 and
    // does not answer in any useful time; the value is still the exact one).
    ["quantity('1e2147483647').isGreaterThan(quantity('1'))", true],
    ["quantity('1e2147483647').isInteger()", false],
  ])('%s is %p', (expression, expected) => {
    expect(run(expression)).toBe(expected);
  });

  test.each<[string, string]>([
    ["quantity('50.703k').asApproximateFloat()", '40e8c1e000000000'],
    ["quantity('1n').asApproximateFloat()", '3e112e0be826d695'],
    ["quantity('1Pi').asApproximateFloat()", '4310000000000000'],
    ["quantity('0.1').asApproximateFloat()", '3fb999999999999a'],
    ["quantity('1e400').asApproximateFloat()", '7ff0000000000000'],
    ["quantity('1e-400').asApproximateFloat()", '3e112e0be826d695'],
  ])('%s has the float64 bits %s', (expression, bits) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, run(expression) as number);
    expect(view.getBigUint64(0).toString(16).padStart(16, '0')).toBe(bits);
  });

  const FORMAT =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  test.each<[string, string]>([
    ["quantity('Three')", FORMAT],
    ["quantity('10Mo')", FORMAT],
    ["quantity('1.2.3')", FORMAT],
    ["quantity('200K')", "unable to parse quantity's suffix"],
    ["quantity('--1')", "unable to parse quantity's suffix"],
    ["quantity('.Pi')", 'unable to parse numeric part of quantity'],
    [
      "quantity('9999999999999999999999999999999999999G').asInteger()",
      'cannot convert value to integer',
    ],
    ["quantity('-9223372036854775807').sub(1).asInteger()", 'cannot convert value to integer'],
    ["quantity('2') == quantity('1').add(1)", 'no such overload'],
    ["dyn(quantity('1')) == '1'", 'no such overload'],
  ])('%s is the error %p', (expression, message) => {
    expect(() => run(expression)).toThrow(message);
  });

  test('a quantity is a value of its own type, never a string', () => {
    expect(run("type(quantity('1')) == type(quantity('2Gi'))")).toBe(true);
    expect(run("type(quantity('1')) == string")).toBe(false);
    expect(() => run("quantity('1') + 'i'")).toThrow();
    expect(() => run("quantity('1').startsWith('1')")).toThrow();
    expect(() => run("quantity('1').sign()")).toThrow(/no matching overload|no such overload/);
  });

  test('an exact result too large to compute is an error, not a hang', () => {
    expect(() => run("quantity('1e2147483647').add(1)")).toThrow(/beyond what the offline checker/);
  });

  // Reference values: plain BigInt rationals from the text, for notations without rounding or cap.
  const SUFFIXES: [string, bigint, bigint][] = [
    ['', 1n, 1n],
    ['m', 1n, 1000n],
    ['k', 1000n, 1n],
    ['M', 10n ** 6n, 1n],
    ['G', 10n ** 9n, 1n],
    ['T', 10n ** 12n, 1n],
    ['Ki', 1024n, 1n],
    ['Mi', 1024n ** 2n, 1n],
    ['Gi', 1024n ** 3n, 1n],
    ['Ti', 1024n ** 4n, 1n],
    ['e3', 1000n, 1n],
    ['e-6', 1n, 10n ** 6n],
  ];
  const amount = fc
    .record({
      negative: fc.boolean(),
      whole: fc.bigInt({ min: 0n, max: 999_999n }),
      fraction: fc.stringMatching(/^[0-9]{0,3}$/),
      suffix: fc.integer({ min: 0, max: SUFFIXES.length - 1 }),
    })
    .map(({ negative, whole, fraction, suffix }) => {
      const [name, num, den] = SUFFIXES[suffix];
      const text = `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}${name}`;
      const scale = 10n ** BigInt(fraction.length);
      const value = (whole * scale + BigInt(fraction || '0')) * (negative ? -1n : 1n);
      return { text, num: value * num, den: scale * den };
    });
  const cmp = (a: { num: bigint; den: bigint }, b: { num: bigint; den: bigint }) => {
    const d = a.num * b.den - b.num * a.den;
    return d > 0n ? 1 : d < 0n ? -1 : 0;
  };

  test('compareTo, isGreaterThan and isLessThan agree with exact rational arithmetic', () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        const q = (x: { text: string }) => `quantity('${x.text}')`;
        expect(run(`${q(a)}.compareTo(${q(b)})`)).toBe(cmp(a, b));
        expect(run(`${q(a)}.isGreaterThan(${q(b)})`)).toBe(cmp(a, b) === 1);
        expect(run(`${q(a)}.isLessThan(${q(b)})`)).toBe(cmp(a, b) === -1);
        expect(run(`${q(a)} == ${q(b)}`)).toBe(cmp(a, b) === 0);
        const sum = { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
        expect(run(`${q(a)}.add(${q(b)}).sub(${q(a)}).compareTo(${q(b)})`)).toBe(0);
        expect(run(`sign(${q(a)}.add(${q(b)}))`)).toBe(cmp(sum, { num: 0n, den: 1n }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('rules compare quantities, not their text', () => {
  const evaluator = PolicyEvaluator.forPack();
  const pod = (mutate: (spec: KubeObject) => void) => {
    const w = workload('Pod', 'p');
    mutate(w.spec);
    return evaluator.evaluate(w);
  };
  const ephemeral = (name: string, requests: Record<string, string>) => ({
    name,
    ephemeral: {
      volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests } } },
    },
  });

  test('GIVEN limits in any notation THEN SBX-R5 compares their value', () => {
    const limits = (cpu: string) =>
      pod((s) => {
        s.containers[0].resources = { limits: { cpu, memory: '1Gi', 'ephemeral-storage': '1Gi' } };
      });
    expect(limits('1n').admitted).toBe(true);
    expect(limits('0.0').violations.map((v) => v.rule)).toEqual(['SBX-R5-resource-limits']);
    expect(limits('0e3').violations[0].message).toMatch(
      /^spec\.containers\[agent\]\.resources: limits\.cpu is '0e3'; /,
    );
  });

  test('GIVEN generic ephemeral volumes THEN SBX-R12 adds their sizes exactly', () => {
    const volumes = (...v: KubeObject[]) => pod((s) => s.volumes.push(...v));
    expect(
      volumes(ephemeral('a', { storage: '10Gi' }), ephemeral('b', { storage: '10Gi' })).admitted,
    ).toBe(true);
    expect(
      volumes(
        ephemeral('a', { storage: '10Gi' }),
        ephemeral('b', { storage: '10737418241' }),
      ).violations.map((v) => v.rule),
    ).toEqual(['SBX-R12-volumes']);
    // The API server's validation refuses a claim template without a size before admission; offline,
    // the rule does, so `policy check` answers the same.
    expect(volumes(ephemeral('a', {})).violations[0].message).toMatch(
      /^spec\.volumes\[a\]\.ephemeral\.volumeClaimTemplate\.spec\.resources\.requests\.storage: must be set/,
    );
    const many = Array.from({ length: 9 }, (_, i) => ephemeral(`v${i}`, { storage: '1Mi' }));
    expect(volumes(...many).violations.map((v) => v.message)).toEqual([
      'spec.volumes: at most 8 generic ephemeral volumes [SBX-R12-volumes]',
    ]);
  });

  test('GIVEN allowInlineCsi THEN inline csi volumes are admitted', () => {
    const csi = workload('Pod', 'p');
    csi.spec.volumes.push({ name: 'store', csi: { driver: 'secrets-store.csi.k8s.io' } });
    expect(evaluator.evaluate(csi).admitted).toBe(false);
    expect(
      PolicyEvaluator.forPack({ parameters: { allowInlineCsi: true } }).evaluate(csi).admitted,
    ).toBe(true);
  });

  test('GIVEN maxVolumeStorage THEN a claim is judged against it', () => {
    const claim = (storage: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'c' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
    });
    const small = PolicyEvaluator.forPack({ parameters: { maxVolumeStorage: '1Gi' } });
    expect(small.evaluate(claim('1024Mi')).admitted).toBe(true);
    expect(small.evaluate(claim('1.1Gi')).violations[0].message).toBe(
      'spec.resources.requests.storage: must be at most 1Gi, got 1.1Gi [SBX-R17-claim-size]',
    );
  });
});
