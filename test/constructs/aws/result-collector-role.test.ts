import { TerraformStack, Testing } from 'cdktf';
import { ArtifactStore } from '../../../constructs/aws/artifact-store';
import {
  RESULTS_PREFIX,
  ResultCollectorRole,
  ResultCollectorRoleProps,
} from '../../../constructs/aws/result-collector-role';
import * as aws from '../../../constructs/aws';
import { SANDBOX_NAMESPACE_PREFIX } from '../../../constructs/shared/platform';
import { runTerraformRules } from '../../../policies/tf/pack';
import { Json, one, policy, resources, synthConstruct } from '../../support/aws';
import { expectValidationError } from '../../support/k8s';

type Overrides = Partial<Omit<ResultCollectorRoleProps, 'store'>>;

function build(overrides: Overrides = {}): Json {
  return synthConstruct((s) => add(s, overrides));
}

function add(s: TerraformStack, overrides: Overrides = {}): ResultCollectorRole {
  const store = new ArtifactStore(s, 'Artifacts', { name: 'dev' });
  return new ResultCollectorRole(s, 'Collector', {
    name: 'dev',
    cluster: { clusterName: 'sandbox', clusterSecurityGroupId: 'sg-cluster' },
    region: 'eu-west-2',
    store,
    namespace: 'eval-orchestrator',
    ...overrides,
  });
}

describe('ResultCollectorRole', () => {
  const json = build();
  const bucketArn = `\${aws_s3_bucket.${Object.keys(resources(json, 'aws_s3_bucket'))[0]}.arn}`;
  const keyArn = `\${aws_kms_key.${Object.keys(resources(json, 'aws_kms_key'))[0]}.arn}`;
  const statements = policy(one(json, 'aws_iam_role_policy').policy).Statement;
  const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));

  test('GIVEN defaults THEN a Pod Identity association binds the role to result-collector in the collector namespace', () => {
    expect(
      Testing.toHaveResourceWithProperties(
        JSON.stringify(json),
        'aws_eks_pod_identity_association',
        {
          cluster_name: 'sandbox',
          namespace: 'eval-orchestrator',
          service_account: 'result-collector',
          disable_session_tags: false,
        },
      ),
    ).toBe(true);
    expect(one(json, 'aws_eks_pod_identity_association').role_arn).toMatch(
      /^\$\{aws_iam_role\.Collector_\w+\.arn\}$/,
    );
    expect(one(json, 'aws_iam_role').name).toBe('dev-result-collector');
  });

  test('GIVEN defaults THEN only Pod Identity may assume it, and only for that cluster, namespace and service account', () => {
    expect(policy(one(json, 'aws_iam_role').assume_role_policy).Statement).toEqual([
      {
        Sid: 'PodIdentityOfTheCollectorOnly',
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          StringEquals: {
            'aws:RequestTag/eks-cluster-name': 'sandbox',
            'aws:RequestTag/kubernetes-namespace': 'eval-orchestrator',
            'aws:RequestTag/kubernetes-service-account': 'result-collector',
          },
        },
      },
    ]);
  });

  test('GIVEN defaults THEN it may only put objects (and abort its uploads) under evaluations/', () => {
    expect(RESULTS_PREFIX).toBe('evaluations/');
    expect(bySid.WriteResults).toEqual({
      Sid: 'WriteResults',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: `${bucketArn}/evaluations/*`,
    });
  });

  test('GIVEN defaults THEN it may use the bucket key only through S3 in the region', () => {
    expect(bySid.ArtifactKeyThroughS3).toEqual({
      Sid: 'ArtifactKeyThroughS3',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: keyArn,
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-2.amazonaws.com' } },
    });
  });

  test('GIVEN defaults THEN it can read, list and delete nothing, and has no other statement or policy', () => {
    expect(statements.map((s) => s.Sid)).toEqual(['WriteResults', 'ArtifactKeyThroughS3']);
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    for (const action of actions) {
      expect(action).not.toMatch(/Get|List|Delete|Acl|Policy|\*/);
      expect(action).toMatch(/^(s3|kms):/);
    }
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(s.Resource).not.toBe('*');
      expect(s.NotAction).toBeUndefined();
    }
    expect(Object.keys(resources(json, 'aws_iam_role_policy'))).toHaveLength(1);
    expect(resources(json, 'aws_iam_role_policy_attachment')).toEqual({});
  });

  test('GIVEN defaults THEN the Terraform rule pack finds no error or warning', () => {
    const report = runTerraformRules(json);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  test('GIVEN defaults THEN its fields carry the resolved values', () => {
    synthConstruct((s) => {
      const collector = add(s);
      expect(collector.namespace).toBe('eval-orchestrator');
      expect(collector.serviceAccount).toBe('result-collector');
      expect(collector.prefix).toBe('evaluations/');
    });
  });

  test('GIVEN a service account and a region THEN the association, the trust policy and the KMS condition use them', () => {
    const custom = build({ serviceAccount: 'orchestrator', region: 'us-east-1' });
    expect(one(custom, 'aws_eks_pod_identity_association').service_account).toBe('orchestrator');
    const trust = policy(one(custom, 'aws_iam_role').assume_role_policy).Statement[0];
    expect(trust.Condition.StringEquals['aws:RequestTag/kubernetes-service-account']).toBe(
      'orchestrator',
    );
    const kms = policy(one(custom, 'aws_iam_role_policy').policy).Statement[1];
    expect(kms.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
    });
  });

  test('GIVEN the eval-sandbox/aws entry point THEN it exports ResultCollectorRole and no EvaluatorRole', () => {
    expect(aws.ResultCollectorRole).toBe(ResultCollectorRole);
    expect('EvaluatorRole' in aws).toBe(false);
  });

  describe('errors', () => {
    test.each(['sbx-swe-0001', `${SANDBOX_NAMESPACE_PREFIX}x`])(
      'GIVEN the sandbox namespace %s THEN it refuses: a sandbox never holds cloud credentials',
      (namespace) => {
        const err = expectValidationError(
          () => build({ namespace }),
          `namespace '${namespace}' is a sandbox namespace (prefix 'sbx-'): a sandbox's service account must never hold cloud credentials; bind the collector in its own namespace`,
        );
        expect(err.path).toBe('test/Collector');
      },
    );

    test('GIVEN a namespace that is not a literal THEN it refuses (it could not be checked)', () => {
      expectValidationError(
        () =>
          synthConstruct((s) => {
            const store = new ArtifactStore(s, 'Artifacts', { name: 'dev' });
            new ResultCollectorRole(s, 'Collector', {
              name: 'dev',
              cluster: { clusterName: 'sandbox', clusterSecurityGroupId: 'sg-cluster' },
              region: 'eu-west-2',
              store,
              namespace: store.bucket.bucket,
            });
          }),
        /namespace must be a literal/,
      );
    });

    test.each([
      ['namespace', { namespace: 'Eval_Orchestrator' }],
      ['serviceAccount', { serviceAccount: 'Result.Collector' }],
    ])('GIVEN an invalid %s THEN it refuses with the value', (field, overrides) => {
      expectValidationError(
        () => build(overrides),
        new RegExp(`^test/Collector: ${field} '[^']+' is not a valid name`),
      );
    });

    test('GIVEN a name that makes the role name longer than 64 characters THEN it refuses', () => {
      expectValidationError(
        () => build({ name: 'n'.repeat(48) }),
        /role name 'n{48}-result-collector' longer than IAM's 64 characters; use a name of at most 47 characters/,
      );
      expect(one(build({ name: 'n'.repeat(47) }), 'aws_iam_role').name).toHaveLength(64);
    });
  });
});
