import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesize } from '../../stacks/app';
import { parseEnvironment } from '../../stacks/config';
import { ENVIRONMENTS } from '../../stacks/environments';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of a config under test
type Env = Record<string, any>;
const dev = ENVIRONMENTS.dev as Record<string, unknown>;
const withChange = (change: (e: Env) => void) => {
  const e = structuredClone(dev) as Env;
  change(e);
  return e;
};

describe('environment configuration', () => {
  test('GIVEN the shipped dev environment THEN it is valid', () => {
    expect(parseEnvironment('dev', dev).clusterName).toBe('eval-sandbox-dev');
  });

  test('GIVEN the shipped prod environment THEN it refuses to synthesize without the runsc checksums', () => {
    expect(() => parseEnvironment('prod', ENVIRONMENTS.prod)).toThrow(
      /environment 'prod' is invalid:\n {2}runsc\.runscSha512: is required when requireChecksums is true: run scripts\/aws\/fill-runsc-mirror\.sh/,
    );
  });

  test.each<[string, (e: Env) => void, RegExp]>([
    [
      'a bad CIDR',
      (e) => (e.vpcCidr = '10.40.0.0/33'),
      /vpcCidr: must be a CIDR such as '10\.40\.0\.0\/16'/,
    ],
    [
      'a VPC too small',
      (e) => (e.vpcCidr = '10.40.0.0/24'),
      /vpcCidr: '10\.40\.0\.0\/24' must be an IPv4 \/16 to \/20/,
    ],
    [
      'min > max nodes',
      (e) => (e.gvisorPool = { ...e.gvisorPool, minSize: 5, maxSize: 2, desiredSize: 2 }),
      /gvisorPool\.minSize: minSize 5 is greater than maxSize 2/,
    ],
    [
      'desired outside min..max',
      (e) => (e.systemPool = { ...e.systemPool, desiredSize: 9 }),
      /systemPool\.desiredSize: desiredSize 9 must lie between/,
    ],
    [
      'an unknown instance family',
      (e) => (e.gvisorPool = { ...e.gvisorPool, instanceTypes: ['p9.huge'] }),
      /gvisorPool\.instanceTypes\.0: must be an instance type of the families m6i, /,
    ],
    ['a missing region', (e) => delete e.region, /region: /],
    [
      'a zone of another region',
      (e) => (e.availabilityZones = ['eu-west-2a', 'eu-west-2b', 'us-east-1a']),
      /availabilityZones\.2: 'us-east-1a' is not an availability zone of eu-west-2/,
    ],
    [
      'two zones',
      (e) => (e.availabilityZones = ['eu-west-2a', 'eu-west-2b']),
      /availabilityZones: /,
    ],
    [
      'a bad checksum',
      (e) => (e.runsc = { ...e.runsc, runscSha512: 'abc' }),
      /runsc\.runscSha512: must be 128 lowercase hex characters/,
    ],
    [
      'an undated gVisor release',
      (e) => (e.runsc = { ...e.runsc, release: 'latest' }),
      /runsc\.release: must be a dated gVisor release/,
    ],
    ['a misspelled field', (e) => (e.fullyPrivat = true), /Unrecognized key.*fullyPrivat/],
    [
      'a public endpoint open to all as a bad CIDR',
      (e) => (e.allowPublicEndpoint = ['everyone']),
      /allowPublicEndpoint\.0: must be a CIDR/,
    ],
  ])('GIVEN %s THEN the error names the environment and the field', (_what, change, message) => {
    expect(() => parseEnvironment('dev', withChange(change))).toThrow(
      /^environment 'dev' is invalid:/,
    );
    expect(() => parseEnvironment('dev', withChange(change))).toThrow(message);
  });
});

describe('synthesize', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-synth-'));

  test('GIVEN the default environment THEN the account stack and the environment are written and the rule pack finds nothing', () => {
    const out = path.join(tmp(), 'cdktf.out');
    const reports = synthesize(out);
    const read = (stack: string) =>
      JSON.parse(fs.readFileSync(path.join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
    expect(read('eval-sandbox-dev').resource.aws_eks_cluster).toBeDefined();
    expect(read('eval-sandbox-account').resource.aws_iam_service_linked_role).toBeDefined();
    expect(reports).toHaveLength(2);
    for (const report of reports) {
      expect(report.errors).toEqual([]);
      expect(report.acknowledged).toEqual([]);
    }
  });

  test('output is deterministic', () => {
    const a = path.join(tmp(), 'a');
    const b = path.join(tmp(), 'b');
    synthesize(a);
    synthesize(b);
    const read = (d: string) =>
      fs.readFileSync(path.join(d, 'stacks', 'eval-sandbox-dev', 'cdk.tf.json'), 'utf8');
    expect(read(a)).toBe(read(b));
  });

  test('GIVEN an invalid environment THEN synth fails and the previous output is untouched', () => {
    const out = path.join(tmp(), 'cdktf.out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'previous'), 'kept');
    const broken = { dev: withChange((e) => (e.vpcCidr = 'nope')) };
    expect(() => synthesize(out, 'dev', broken)).toThrow(
      /environment 'dev' is invalid:\n {2}vpcCidr/,
    );
    expect(fs.readdirSync(out)).toEqual(['previous']);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['cdktf.out']);
  });

  test('GIVEN an unknown environment name THEN the error lists the known ones', () => {
    expect(() => synthesize(path.join(tmp(), 'x'), 'staging')).toThrow(
      /unknown environment 'staging'; known: dev, prod/,
    );
  });
});

describe('production', () => {
  test('GIVEN a production environment without a cluster admin THEN it is refused (nobody could administer it)', () => {
    expect(() => parseEnvironment('dev', { ...dev, production: true, clusterAdmins: [] })).toThrow(
      "environment 'dev' is invalid:\n  clusterAdmins: a production environment needs at least one IAM role ARN: the endpoint is private and the creator gets no admin rights, so nobody could administer the cluster after apply",
    );
  });

  test('GIVEN a production environment with a cluster admin THEN it is accepted, and the shipped prod is production', () => {
    const admin = 'arn:aws:iam::123456789012:role/platform-admin';
    expect(
      parseEnvironment('dev', { ...dev, production: true, clusterAdmins: [admin] }).clusterAdmins,
    ).toEqual([admin]);
    expect((ENVIRONMENTS.prod as { production: boolean }).production).toBe(true);
    expect(parseEnvironment('dev', dev).production).toBe(false);
  });
});

describe('fields that moved to the account', () => {
  test('GIVEN an environment that still sets threatDetection THEN it is refused with where it went', () => {
    expect(() => parseEnvironment('dev', { ...dev, threatDetection: true })).toThrow(
      "environment 'dev' is invalid:\n  threatDetection: moved to the account (ACCOUNT.threatDetection in stacks/environments.ts): GuardDuty has one detector per account and region, so a second environment could not create its own",
    );
  });
});
