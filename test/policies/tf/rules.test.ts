import * as fs from 'node:fs';
import * as path from 'node:path';
import { TfJson } from '../../../policies/tf/model';
import {
  checkAcknowledgements,
  formatTerraformReport,
  runTerraformRules,
  TF_RULES,
} from '../../../policies/tf/pack';

const meta = (p: string) => ({ '//': { metadata: { path: `stack/${p}`, uniqueId: p } } });
const TLS_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
});

/** A configuration that meets every rule. */
function compliant(): TfJson {
  return {
    resource: {
      aws_vpc: { Vpc: { cidr_block: '10.0.0.0/16', ...meta('Vpc/Resource') } },
      aws_flow_log: {
        FlowLog: { vpc_id: '${aws_vpc.Vpc.id}', traffic_type: 'ALL', ...meta('Vpc/FlowLog') },
      },
      aws_default_security_group: {
        DefaultSg: { vpc_id: '${aws_vpc.Vpc.id}', ...meta('Vpc/DefaultSg') },
      },
      aws_kms_key: {
        Key: { enable_key_rotation: true, ...meta('Key') },
        Signing: { customer_master_key_spec: 'RSA_2048', key_usage: 'SIGN_VERIFY' },
      },
      aws_eks_cluster: {
        Cluster: {
          name: 'sandbox',
          vpc_config: {
            endpoint_private_access: true,
            endpoint_public_access: false,
            subnet_ids: ['a'],
          },
          enabled_cluster_log_types: [
            'api',
            'audit',
            'authenticator',
            'controllerManager',
            'scheduler',
          ],
          encryption_config: {
            resources: ['secrets'],
            provider: { key_arn: '${aws_kms_key.Key.arn}' },
          },
          ...meta('Cluster/Resource'),
        },
      },
      aws_launch_template: {
        Nodes: {
          metadata_options: {
            http_tokens: 'required',
            http_put_response_hop_limit: 1,
            http_endpoint: 'enabled',
          },
          block_device_mappings: [
            {
              device_name: '/dev/xvda',
              ebs: { encrypted: 'true', kms_key_id: '${aws_kms_key.Key.arn}', volume_type: 'gp3' },
            },
          ],
          ...meta('Nodes/LaunchTemplate'),
        },
      },
      aws_iam_policy: {
        Least: {
          policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['s3:PutObject'], Resource: 'arn:aws:s3:::b/evals/*' },
            ],
          }),
        },
      },
      aws_s3_bucket: { Bucket: { bucket: 'b', ...meta('Artifacts/Bucket') } },
      aws_s3_bucket_public_access_block: {
        Pab: {
          bucket: '${aws_s3_bucket.Bucket.id}',
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        },
      },
      aws_s3_bucket_policy: { Tls: { bucket: '${aws_s3_bucket.Bucket.id}', policy: TLS_POLICY } },
      aws_ecr_repository: {
        Repo: {
          name: 'tasks',
          image_tag_mutability: 'IMMUTABLE',
          image_scanning_configuration: { scan_on_push: true },
          ...meta('Registry/Repo'),
        },
      },
    },
    data: {
      aws_iam_policy_document: {
        Doc: {
          statement: [{ effect: 'Allow', actions: ['eks:DescribeCluster'], resources: ['*'] }],
        },
      },
    },
  };
}

type Mutation = (c: TfJson) => void;
const r = (c: TfJson) => c.resource;

const CASES: [string, string, Mutation][] = [
  [
    'SBX-TF1-eks-private-endpoint',
    'a public endpoint',
    (c) => (r(c).aws_eks_cluster.Cluster.vpc_config.endpoint_public_access = true),
  ],
  [
    'SBX-TF1-eks-private-endpoint',
    'the provider default (public) left unset',
    (c) => delete r(c).aws_eks_cluster.Cluster.vpc_config.endpoint_public_access,
  ],
  [
    'SBX-TF1-eks-private-endpoint',
    'no private endpoint',
    (c) => (r(c).aws_eks_cluster.Cluster.vpc_config.endpoint_private_access = false),
  ],
  [
    'SBX-TF2-eks-control-plane-logs',
    'three of five log types',
    (c) =>
      (r(c).aws_eks_cluster.Cluster.enabled_cluster_log_types = ['api', 'audit', 'authenticator']),
  ],
  [
    'SBX-TF2-eks-control-plane-logs',
    'no logs',
    (c) => delete r(c).aws_eks_cluster.Cluster.enabled_cluster_log_types,
  ],
  [
    'SBX-TF3-eks-secrets-encryption',
    'no encryption_config',
    (c) => delete r(c).aws_eks_cluster.Cluster.encryption_config,
  ],
  [
    'SBX-TF3-eks-secrets-encryption',
    'no key',
    (c) =>
      (r(c).aws_eks_cluster.Cluster.encryption_config = { resources: ['secrets'], provider: {} }),
  ],
  [
    'SBX-TF4-imdsv2-hop-limit-1',
    'IMDSv1 allowed',
    (c) => (r(c).aws_launch_template.Nodes.metadata_options.http_tokens = 'optional'),
  ],
  [
    'SBX-TF4-imdsv2-hop-limit-1',
    'hop limit 2',
    (c) => (r(c).aws_launch_template.Nodes.metadata_options.http_put_response_hop_limit = 2),
  ],
  [
    'SBX-TF4-imdsv2-hop-limit-1',
    'no metadata options',
    (c) => delete r(c).aws_launch_template.Nodes.metadata_options,
  ],
  [
    'SBX-TF5-encrypted-volumes',
    'an unencrypted root volume',
    (c) => (r(c).aws_launch_template.Nodes.block_device_mappings[0].ebs.encrypted = 'false'),
  ],
  [
    'SBX-TF5-encrypted-volumes',
    'the AWS-managed key',
    (c) => delete r(c).aws_launch_template.Nodes.block_device_mappings[0].ebs.kms_key_id,
  ],
  [
    'SBX-TF5-encrypted-volumes',
    'no block device mapping',
    (c) => delete r(c).aws_launch_template.Nodes.block_device_mappings,
  ],
  [
    'SBX-TF5-encrypted-volumes',
    'an unencrypted EBS volume',
    (c) => (r(c).aws_ebs_volume = { Data: { size: 10 } }),
  ],
  [
    'SBX-TF6-kms-rotation',
    'rotation off',
    (c) => (r(c).aws_kms_key.Key.enable_key_rotation = false),
  ],
  [
    'SBX-TF6-kms-rotation',
    'an explicit symmetric key without rotation',
    (c) => (r(c).aws_kms_key.Other = { customer_master_key_spec: 'SYMMETRIC_DEFAULT' }),
  ],
  ['SBX-TF7-vpc-flow-logs', 'no flow log', (c) => delete r(c).aws_flow_log],
  [
    'SBX-TF7-vpc-flow-logs',
    'a flow log of another VPC',
    (c) => (r(c).aws_flow_log.FlowLog.vpc_id = '${aws_vpc.Other.id}'),
  ],
  [
    'SBX-TF8-default-security-group-closed',
    'the default group not managed',
    (c) => delete r(c).aws_default_security_group,
  ],
  [
    'SBX-TF8-default-security-group-closed',
    'an open default group',
    (c) =>
      (r(c).aws_default_security_group.DefaultSg.ingress = [
        { from_port: 0, to_port: 0, protocol: '-1', self: true },
      ]),
  ],
  [
    'SBX-TF9-no-wildcard-iam',
    'Action * on Resource *',
    (c) =>
      (r(c).aws_iam_policy.Least.policy = JSON.stringify({
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      })),
  ],
  [
    'SBX-TF9-no-wildcard-iam',
    'NotAction on Resource * in an inline role policy',
    (c) =>
      (r(c).aws_iam_role_policy = {
        Inline: {
          role: 'x',
          policy: JSON.stringify({
            Statement: { Effect: 'Allow', NotAction: 'iam:*', Resource: ['*'] },
          }),
        },
      }),
  ],
  [
    'SBX-TF9-no-wildcard-iam',
    'a policy document with * on *',
    (c) => (c.data.aws_iam_policy_document.Doc.statement[0].actions = ['*']),
  ],
  [
    'SBX-TF10-s3-public-access-blocked',
    'no public access block',
    (c) => delete r(c).aws_s3_bucket_public_access_block,
  ],
  [
    'SBX-TF10-s3-public-access-blocked',
    'public policies allowed',
    (c) => (r(c).aws_s3_bucket_public_access_block.Pab.block_public_policy = false),
  ],
  ['SBX-TF11-s3-tls-only', 'no bucket policy', (c) => delete r(c).aws_s3_bucket_policy],
  [
    'SBX-TF11-s3-tls-only',
    'a policy without the TLS deny',
    (c) =>
      (r(c).aws_s3_bucket_policy.Tls.policy = JSON.stringify({
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'x' }, Action: 's3:GetObject', Resource: '*' },
        ],
      })),
  ],
  [
    'SBX-TF12-ecr-immutable-tags',
    'mutable tags',
    (c) => (r(c).aws_ecr_repository.Repo.image_tag_mutability = 'MUTABLE'),
  ],
  [
    'SBX-TF12-ecr-immutable-tags',
    'the provider default (mutable)',
    (c) => delete r(c).aws_ecr_repository.Repo.image_tag_mutability,
  ],
  [
    'SBX-TF13-ecr-scan-on-push',
    'no scan on push',
    (c) => (r(c).aws_ecr_repository.Repo.image_scanning_configuration.scan_on_push = false),
  ],
];

describe('Terraform rule pack', () => {
  test('GIVEN a configuration that meets every rule THEN there are no findings and every rule passes', () => {
    const report = runTerraformRules(compliant());
    expect(report).toEqual({
      errors: [],
      warnings: [],
      acknowledged: [],
      passed: TF_RULES.map((x) => x.id),
    });
  });

  test.each(CASES)(
    '%s GIVEN %s THEN it is an error of that rule alone, naming the resource',
    (rule, _what, mutate) => {
      const config = compliant();
      mutate(config);
      const report = runTerraformRules(config);
      expect(report.errors.length).toBeGreaterThan(0);
      for (const f of report.errors) {
        expect(f.rule).toBe(rule);
        expect(f.message.startsWith(`${f.resource}: `)).toBe(true);
      }
      expect(report.passed).not.toContain(rule);
    },
  );

  test('every rule has a non-compliant case above', () => {
    expect(new Set(CASES.map(([rule]) => rule))).toEqual(new Set(TF_RULES.map((x) => x.id)));
  });

  test('every rule has its metadata: title, why, severity, the checks it mirrors', () => {
    for (const rule of TF_RULES) {
      expect(rule.id).toMatch(/^SBX-TF\d+-[a-z0-9-]+$/);
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.why.length).toBeGreaterThan(20);
      expect(rule.mirrors.checkov.length).toBeGreaterThan(0);
      for (const c of rule.mirrors.checkov) expect(c).toMatch(/^CKV2?_AWS_\d+$/);
    }
    expect(new Set(TF_RULES.map((x) => x.id)).size).toBe(TF_RULES.length);
  });

  test('one rule per file: every file in policies/tf/rules is in the pack', () => {
    const files = fs
      .readdirSync(path.resolve(__dirname, '../../../policies/tf/rules'))
      .filter((f) => f.endsWith('.ts'));
    expect(files).toHaveLength(TF_RULES.length);
  });
});

describe('acknowledgements', () => {
  const publicEndpoint = () => {
    const c = compliant();
    c.resource.aws_eks_cluster.Cluster.vpc_config.endpoint_public_access = true;
    return c;
  };

  test('GIVEN an acknowledgement with a reason THEN the finding moves to acknowledged and the report shows the reason', () => {
    const reason = 'Break-glass access for the on-call team, limited to the office CIDR';
    const report = runTerraformRules(publicEndpoint(), [
      { rule: 'SBX-TF1-eks-private-endpoint', path: 'stack/Cluster', reason },
    ]);
    expect(report.errors).toEqual([]);
    expect(report.acknowledged).toHaveLength(1);
    expect(report.acknowledged[0].reason).toBe(reason);
    expect(formatTerraformReport(report)).toContain(
      `acknowledged SBX-TF1-eks-private-endpoint: aws_eks_cluster.Cluster: vpc_config.endpoint_public_access must be false (stack/Cluster/Resource); reason: ${reason}`,
    );
  });

  test('GIVEN an acknowledgement for another rule or path THEN the finding stays an error', () => {
    const reason = 'A reason long enough to be accepted here';
    expect(
      runTerraformRules(publicEndpoint(), [
        { rule: 'SBX-TF2-eks-control-plane-logs', path: 'stack/Cluster', reason },
      ]).errors,
    ).toHaveLength(1);
    expect(
      runTerraformRules(publicEndpoint(), [
        { rule: 'SBX-TF1-eks-private-endpoint', path: 'stack/Clus', reason },
      ]).errors,
    ).toHaveLength(1);
  });

  test.each([
    [
      { rule: 'SBX-TF1-eks-private-endpoint', path: 'stack/Cluster', reason: 'because' },
      /reason must say why/,
    ],
    [
      { rule: 'SBX-TF99-nope', path: 'stack/Cluster', reason: 'a perfectly good reason for this' },
      /'SBX-TF99-nope' is not a Terraform rule/,
    ],
    [
      {
        rule: 'SBX-TF1-eks-private-endpoint',
        path: ' ',
        reason: 'a perfectly good reason for this',
      },
      /path is empty/,
    ],
  ])('GIVEN %p THEN it is refused', (ack, message) => {
    expect(checkAcknowledgements([ack]).join('; ')).toMatch(message);
    expect(() => runTerraformRules(compliant(), [ack])).toThrow(message);
  });

  test('the text report ends with the counts', () => {
    expect(formatTerraformReport(runTerraformRules(publicEndpoint()))).toMatch(
      /\n13 rules: 12 passed, 1 errors, 0 warnings, 0 acknowledged$/,
    );
  });
});
