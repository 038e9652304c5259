/**
 * The AWS API tier (docs/testing.md, "The AWS API tier (moto)"): the synthesized account and dev
 * stacks, run by the real Terraform 1.11 with the real hashicorp/aws provider (5.100.0, from the
 * machine image's mirror, offline) against a local AWS API (moto, scripts/install-moto.sh). It
 * proves what the JSON tests cannot: that the references, ARNs, lookups and preconditions resolve
 * against an API that answers, in the order the dependencies give. It proves nothing about how
 * AWS itself judges the policies (moto does not evaluate principals, EKS health or GuardDuty).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACCOUNT_STACK, synthesize } from '../../stacks/app';
import { parseEnvironment } from '../../stacks/config';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS } from '../../stacks/environments';
import {
  installMoto,
  Moto,
  requireTerraformAndMirror,
  resourceAddresses,
  rewriteForMoto,
  TerraformDir,
  terraformEnv,
  TfJson,
} from '../support/moto';

const env = parseEnvironment(DEFAULT_ENVIRONMENT, ENVIRONMENTS[DEFAULT_ENVIRONMENT]);
const REGION = env.region;
const MIRROR = env.runsc.mirrorBucket;
const PREFIX = `gvisor/${env.runsc.release}/x86_64/`;

/**
 * What moto 5.2.5 cannot create, each with the error it gives; an apply error matching none of
 * these fails the test. Everything downstream of them (node groups, launch templates, the pool
 * ingress rules) is never attempted.
 */
const MOTO_GAPS: { type: string; error: RegExp; why: string }[] = [
  {
    type: 'aws_guardduty_detector_feature',
    error: /EKS_AUDIT_LOGS/,
    why: 'moto reads the EKS_AUDIT_LOGS feature back empty (RUNTIME_MONITORING works)',
  },
  {
    type: 'aws_eks_addon',
    error: /CreateAddon, https response error StatusCode: 404/,
    why: 'moto has no EKS add-on API',
  },
  {
    type: 'aws_security_group',
    error: /The security group '' does not exist/,
    why: "moto's EKS cluster has no cluster security group, which the pool groups admit",
  },
];

let terraform: string;
let moto: Moto;
let tmp: string;
let tfEnv: NodeJS.ProcessEnv;
let accountJson: TfJson;
let devJson: TfJson;
let account: TerraformDir;
let dev: TerraformDir;

beforeAll(async () => {
  terraform = requireTerraformAndMirror();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-moto-'));
  moto = await Moto.start(installMoto(), path.join(tmp, 'moto.log'));
  synthesize(path.join(tmp, 'out'));
  const load = (stack: string) =>
    JSON.parse(
      fs.readFileSync(path.join(tmp, 'out', 'stacks', stack, 'cdk.tf.json'), 'utf8'),
    ) as TfJson;
  accountJson = load(ACCOUNT_STACK);
  devJson = load(`eval-sandbox-${env.name}`);
  tfEnv = terraformEnv(moto, REGION, path.join(tmp, 'home'));
  account = TerraformDir.init(
    path.join(tmp, 'account'),
    rewriteForMoto(accountJson, moto.endpoint, path.join(tmp, 'account.tfstate')),
    terraform,
    tfEnv,
  );
  dev = TerraformDir.init(
    path.join(tmp, 'dev'),
    rewriteForMoto(devJson, moto.endpoint, path.join(tmp, 'dev.tfstate')),
    terraform,
    tfEnv,
  );
}, 10 * 60_000);

afterAll(() => {
  moto?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A copy of the dev stack, changed by `mistake`, in its own directory and state. */
function scratch(name: string, mistake: (json: TfJson) => void): TerraformDir {
  const json = rewriteForMoto(devJson, moto.endpoint, path.join(tmp, `${name}.tfstate`));
  mistake(json);
  return TerraformDir.init(path.join(tmp, name), json, terraform, tfEnv);
}

/** The errors of an apply, each checked against MOTO_GAPS; those matching none. */
function unexpectedErrors(stdout: string) {
  return TerraformDir.errors(stdout).filter((e) => {
    const type = e.address?.split('.')[0];
    return !MOTO_GAPS.some((g) => g.type === type && g.error.test(`${e.summary} ${e.detail}`));
  });
}

/** `terraform show -json`'s resources: address → attribute values. */
function stateOf(dir: TerraformDir): Record<string, Record<string, unknown>> {
  const shown = JSON.parse(dir.ok(['show', '-json', '-no-color'])) as {
    values?: { root_module: { resources: { address: string; values: Record<string, unknown> }[] } };
  };
  return Object.fromEntries(
    (shown.values?.root_module.resources ?? []).map((r) => [r.address, r.values]),
  );
}

test(
  'the account stack applies against the AWS API (all but what moto lacks)',
  () => {
    // GIVEN every resource of the account stack but the GuardDuty feature moto cannot read back
    const gaps = Object.entries(accountJson.resource?.aws_guardduty_detector_feature ?? {})
      .filter(([, f]) => f.name === 'EKS_AUDIT_LOGS')
      .map(([name]) => `aws_guardduty_detector_feature.${name}`);
    expect(gaps).toHaveLength(1);
    const targets = resourceAddresses(accountJson).filter((a) => !gaps.includes(a));

    // WHEN it is applied
    account.ok([
      'apply',
      '-auto-approve',
      '-input=false',
      '-no-color',
      ...targets.map((t) => `-target=${t}`),
    ]);

    // THEN every targeted resource exists, and the API holds the mirror, its key's alias and the
    // service-linked role the environments look up
    const state = stateOf(account);
    expect(
      Object.keys(state)
        .filter((a) => !a.startsWith('data.'))
        .sort(),
    ).toEqual(targets);
    const found = moto.boto<{ buckets: string[]; alias: string | null; role: string }>(
      REGION,
      `
aliases = client('kms').list_aliases()['Aliases']
print(json.dumps({
  'buckets': [b['Name'] for b in client('s3').list_buckets()['Buckets']],
  'alias': next((a.get('TargetKeyId') for a in aliases if a['AliasName'] == 'alias/${MIRROR}'), None),
  'role': client('iam').get_role(RoleName='AWSServiceRoleForAutoScaling')['Role']['Arn'],
}))`,
    );
    expect(found.buckets).toContain(MIRROR);
    expect(found.alias).toMatch(/^[0-9a-f-]{36}$/);
    expect(found.role).toBe(
      'arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
    );
  },
  10 * 60_000,
);

test(
  'planning the environment before the mirror is filled fails with the precondition message',
  () => {
    // WHEN the environment is planned against the empty (moto) mirror
    const r = dev.run(['plan', '-input=false', '-json']);

    // THEN the gVisor pool's two preconditions fail, with the messages that name the fix
    expect(r.status).toBe(1);
    const fix = `fill it first with scripts/aws/fill-runsc-mirror.sh ${env.runsc.release} ${MIRROR}`;
    expect(TerraformDir.errors(r.stdout).map((e) => [e.summary, e.detail])).toEqual(
      ['runsc', 'containerd-shim-runsc-v1'].map((file) => [
        'Resource precondition failed',
        `The runsc mirror has no s3://${MIRROR}/${PREFIX}${file}: ${fix} (docs/aws/deploy.md); nodes booting without it never register`,
      ]),
    );
  },
  5 * 60_000,
);

test(
  'negative control: an environment looking up a key alias the account stack did not create fails its plan',
  () => {
    // GIVEN a copy whose mirror-key lookup names another alias (a rename in one stack only)
    const broken = scratch('broken-alias', (json) => {
      for (const alias of Object.values(json.data?.aws_kms_alias ?? {}))
        alias.name = `alias/${MIRROR}-renamed`;
    });

    // WHEN it is planned, THEN the lookup fails naming the alias
    const r = broken.run(['plan', '-input=false', '-json']);
    expect(r.status).toBe(1);
    expect(
      TerraformDir.errors(r.stdout)
        .map((e) => `${e.summary} ${e.detail}`)
        .join('\n'),
    ).toMatch(new RegExp(`alias/${MIRROR}-renamed`));
  },
  5 * 60_000,
);

test(
  'with the mirror filled, the environment plans every resource of its JSON',
  () => {
    // GIVEN the two files in the mirror (any bytes; the node checks the sums, not Terraform). moto
    // applies the mirror's TLS-only Deny to PutObject but knows no aws:SecureTransport, so the policy
    // is lifted for the upload and put back unchanged.
    moto.boto<object>(
      REGION,
      `
s3 = client('s3')
policy = s3.get_bucket_policy(Bucket='${MIRROR}')['Policy']
s3.delete_bucket_policy(Bucket='${MIRROR}')
for f in ['runsc', 'containerd-shim-runsc-v1']:
    s3.put_object(Bucket='${MIRROR}', Key='${PREFIX}' + f, Body=b'not a binary')
s3.put_bucket_policy(Bucket='${MIRROR}', Policy=policy)
print('{}')`,
    );

    // WHEN the environment is planned
    dev.ok(['plan', '-input=false', '-no-color', '-out=filled.plan']);
    const plan = JSON.parse(dev.ok(['show', '-json', '-no-color', 'filled.plan'])) as {
      resource_changes: { address: string; change: { actions: string[] } }[];
    };

    // THEN it creates exactly the resources the JSON declares
    const creates = plan.resource_changes
      .filter((c) => c.change.actions.join() === 'create')
      .map((c) => c.address)
      .sort();
    expect(creates).toEqual(resourceAddresses(devJson));
  },
  5 * 60_000,
);

test(
  'negative control: attaching a managed policy by a wrong ARN is refused by the API',
  () => {
    // GIVEN a copy where the EBS CSI role's policy lost its service-role/ path (a real slip:
    // AmazonEBSCSIDriverPolicy lives under service-role/, AmazonEKS_CNI_Policy does not)
    let address = '';
    const broken = scratch('broken-arn', (json) => {
      for (const [name, a] of Object.entries(json.resource?.aws_iam_role_policy_attachment ?? {})) {
        if (String(a.policy_arn).endsWith('/AmazonEBSCSIDriverPolicy')) {
          a.policy_arn = 'arn:aws:iam::aws:policy/AmazonEBSCSIDriverPolicy';
          address = `aws_iam_role_policy_attachment.${name}`;
        }
      }
      // its own role name, so it does not collide with the environment's
      for (const role of Object.values(json.resource?.aws_iam_role ?? {}))
        role.name = `${String(role.name)}-scratch`;
    });
    expect(address).not.toBe('');

    // WHEN it is applied, THEN the API refuses the attachment
    const r = broken.run(['apply', '-auto-approve', '-input=false', '-json', `-target=${address}`]);
    expect(r.status).toBe(1);
    expect(
      TerraformDir.errors(r.stdout)
        .map((e) => `${e.summary} ${e.detail}`)
        .join('\n'),
    ).toMatch(
      /NoSuchEntity: Policy arn:aws:iam::aws:policy\/AmazonEBSCSIDriverPolicy does not exist/,
    );
  },
  5 * 60_000,
);

test(
  'the environment applies against the AWS API except for moto gaps; policies carry real ARNs',
  () => {
    // WHEN the environment is applied
    const r = dev.run(['apply', '-auto-approve', '-input=false', '-json']);

    // THEN the only failures are what moto lacks
    expect(unexpectedErrors(r.stdout)).toEqual([]);
    const state = stateOf(dev);
    const created = Object.keys(state).filter((a) => !a.startsWith('data.'));
    const missing = resourceAddresses(devJson).filter((a) => !created.includes(a));
    process.stdout.write(
      `[aws-moto] environment: ${created.length} of ${resourceAddresses(devJson).length} created; not created: ${[
        ...new Set(missing.map((a) => a.split('.')[0])),
      ].join(', ')}\n`,
    );
    // and everything the platform's wiring rests on was created
    for (const type of [
      'aws_vpc',
      'aws_subnet',
      'aws_vpc_endpoint',
      'aws_iam_role',
      'aws_iam_role_policy',
      'aws_kms_key',
      'aws_kms_alias',
      'aws_s3_bucket_policy',
      'aws_ecr_repository',
      'aws_cloudwatch_log_group',
      'aws_flow_log',
      'aws_eks_cluster',
    ])
      expect(missing.filter((a) => a.startsWith(`${type}.`))).toEqual([]);

    // AND the API holds what the references resolved to: the node volume keys' policies name the
    // service-linked role the account stack created; the mirror-read policy names the account's
    // mirror key; every endpoint policy binds this account
    const keyIds = Object.entries(state)
      .filter(([a]) => /^aws_kms_key\.(Gvisor|System)Pool_VolumeKey/.test(a))
      .map(([, v]) => String(v.key_id));
    expect(keyIds).toHaveLength(2);
    const [, mirrorRead] = Object.entries(state).find(([a]) =>
      a.startsWith('aws_iam_role_policy.GvisorPool_MirrorRead'),
    ) ?? ['', { role: 'aws_iam_role_policy.GvisorPool_MirrorRead is not in the state', name: '' }];
    const seen = moto.boto<{
      keyPrincipals: string[][];
      role: string;
      mirrorKey: string;
      mirrorRead: { Statement: { Resource: string }[] };
      endpointAccounts: string[];
    }>(
      REGION,
      `
kms = client('kms')
principals = []
for k in ${JSON.stringify(keyIds)}:
    doc = json.loads(kms.get_key_policy(KeyId=k, PolicyName='default')['Policy'])
    principals.append(sorted({s['Principal']['AWS'] for s in doc['Statement'] if s.get('Sid', '').startswith('AutoScaling')}))
alias = next(a for a in kms.list_aliases()['Aliases'] if a['AliasName'] == 'alias/${MIRROR}')
iam = client('iam')
read = iam.get_role_policy(RoleName=${JSON.stringify(mirrorRead.role)}, PolicyName=${JSON.stringify(mirrorRead.name)})['PolicyDocument']
accounts = []
for e in client('ec2').describe_vpc_endpoints()['VpcEndpoints']:
    doc = json.loads(e['PolicyDocument'])
    accounts += [s['Condition']['StringEquals']['aws:PrincipalAccount'] for s in doc['Statement'] if 'StringEquals' in s.get('Condition', {})]
print(json.dumps({
  'keyPrincipals': principals,
  'role': iam.get_role(RoleName='AWSServiceRoleForAutoScaling')['Role']['Arn'],
  'mirrorKey': kms.describe_key(KeyId=alias['TargetKeyId'])['KeyMetadata']['Arn'],
  'mirrorRead': read if isinstance(read, dict) else json.loads(read),
  'endpointAccounts': accounts,
}))`,
    );
    expect(seen.keyPrincipals).toEqual([[seen.role], [seen.role]]);
    expect(seen.mirrorRead.Statement.map((s) => s.Resource)).toEqual([
      `arn:aws:s3:::${MIRROR}/gvisor/*`,
      seen.mirrorKey,
    ]);
    const bound = Object.values(devJson.resource?.aws_vpc_endpoint ?? {}).flatMap(
      (e) => String(e.policy).match(/aws:PrincipalAccount/g) ?? [],
    );
    expect(bound.length).toBeGreaterThan(0);
    expect(seen.endpointAccounts).toHaveLength(bound.length);
    expect(new Set(seen.endpointAccounts)).toEqual(new Set(['123456789012']));
  },
  20 * 60_000,
);
