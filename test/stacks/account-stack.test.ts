import { RUNSC_MIRROR_KEY_ALIAS } from '../../stacks/account-stack';
import { buildApp } from '../../stacks/app';
import { parseAccount } from '../../stacks/config';
import { ACCOUNT, ENVIRONMENTS } from '../../stacks/environments';
import { Json, one, resources, synthAccount } from '../support/aws';

describe('AccountStack (once per account and region)', () => {
  const json = synthAccount();

  test('GIVEN defaults THEN its state has its own key in the shared state bucket', () => {
    expect(json.terraform.backend.s3).toEqual({
      bucket: 'eval-sandbox-terraform-state',
      key: 'account/eu-west-2.tfstate',
      region: 'eu-west-2',
      encrypt: true,
      use_lockfile: true,
    });
  });

  test('GIVEN defaults THEN it creates the Auto Scaling service-linked role the volume keys name (issue: KMS refuses a policy naming a missing role)', () => {
    expect(one(json, 'aws_iam_service_linked_role').aws_service_name).toBe(
      'autoscaling.amazonaws.com',
    );
  });

  test('GIVEN autoScalingRoleExists THEN it does not create the role again (IAM refuses a second)', () => {
    expect(
      resources(synthAccount({ autoScalingRoleExists: true }), 'aws_iam_service_linked_role'),
    ).toEqual({});
  });

  test('GIVEN defaults THEN it owns the one GuardDuty detector of the account and region, with EKS audit logs and runtime monitoring', () => {
    expect(Object.keys(resources(json, 'aws_guardduty_detector'))).toHaveLength(1);
    const features = Object.values(resources(json, 'aws_guardduty_detector_feature')).map(
      (f: Json) => f.name,
    );
    expect(features.sort()).toEqual(['EKS_AUDIT_LOGS', 'RUNTIME_MONITORING']);
  });

  test('GIVEN threatDetection: false THEN there is no detector (GuardDuty managed elsewhere, or the cost opt-out)', () => {
    const off = synthAccount({ threatDetection: false });
    expect(resources(off, 'aws_guardduty_detector')).toEqual({});
    expect(resources(off, 'aws_guardduty_detector_feature')).toEqual({});
  });

  test('GIVEN defaults THEN it owns the runsc mirror: the named bucket, its key under the alias environments look up', () => {
    expect(one(json, 'aws_s3_bucket', 'RunscMirror').bucket).toBe('eval-sandbox-runsc-mirror');
    expect(RUNSC_MIRROR_KEY_ALIAS).toBe('eval-sandbox-runsc-mirror');
    expect(one(json, 'aws_kms_alias', 'RunscMirror').name).toBe('alias/eval-sandbox-runsc-mirror');
    expect(Object.keys(json.output)).toEqual(['runsc_mirror_bucket']);
  });

  test('GIVEN a bad account THEN synth fails naming the field', () => {
    expect(() => parseAccount({ ...(ACCOUNT as object), runscMirrorBucket: 'Mirror_1' })).toThrow(
      'the account (ACCOUNT in stacks/environments.ts) is invalid:\n  runscMirrorBucket: must be an S3 bucket name (globally unique)',
    );
  });
});

describe('the app: account stack and environment together', () => {
  const stacksOf = (envName: string) =>
    buildApp('/nonexistent', envName, {
      ...ENVIRONMENTS,
      prod: {
        ...(ENVIRONMENTS.prod as { runsc: object }),
        runsc: {
          ...(ENVIRONMENTS.prod as { runsc: object }).runsc,
          runscSha512: 'a'.repeat(128),
          shimSha512: 'b'.repeat(128),
        },
        clusterAdmins: ['arn:aws:iam::123456789012:role/platform-admin'],
      },
    })
      .node.children.map((c) => c.node.id)
      .sort();

  test('GIVEN dev or prod THEN the app holds the same account stack and that environment', () => {
    expect(stacksOf('dev')).toEqual(['eval-sandbox-account', 'eval-sandbox-dev']);
    expect(stacksOf('prod')).toEqual(['eval-sandbox-account', 'eval-sandbox-prod']);
  });

  test.each<[string, Record<string, unknown>, string]>([
    [
      'another region',
      { region: 'eu-west-1', availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
      "  region: 'eu-west-1' is not the account's region 'eu-west-2'; an account stack serves one region",
    ],
    [
      'its own mirror',
      {
        runsc: {
          ...(ENVIRONMENTS.dev as { runsc: object }).runsc,
          mirrorBucket: 'eval-sandbox-dev-runsc-mirror',
        },
      },
      "  runsc.mirrorBucket: 'eval-sandbox-dev-runsc-mirror' is not the account's mirror 'eval-sandbox-runsc-mirror'; use the account's runscMirrorBucket",
    ],
  ])('GIVEN an environment in %s THEN synth refuses it, naming the field', (_, change, line) => {
    expect(() =>
      buildApp('/nonexistent', 'dev', { dev: { ...(ENVIRONMENTS.dev as object), ...change } }),
    ).toThrow(`environment 'dev' does not fit the account (stacks/environments.ts):\n${line}`);
  });
});
