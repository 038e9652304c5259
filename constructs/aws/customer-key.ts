import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsIamRole } from '@cdktf/provider-aws/lib/data-aws-iam-role';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { check, checkKmsAlias } from './validation';

/** Properties for {@link CustomerKey}. */
export interface CustomerKeyProps {
  /** What the key protects, for its description and alias (`alias/<alias>`). */
  readonly alias: string;
  /**
   * CloudWatch Logs may use the key for these log groups of this account, in `region`: the key
   * policy names the service and, as AWS documents for Logs, conditions on the encryption context
   * `kms:EncryptionContext:aws:logs:arn` being one of those log groups (so no other log group,
   * of this account or another, can use it).
   *
   * @default - none: only IAM principals of the account, through IAM policies
   */
  readonly cloudWatchLogs?: { readonly region: string; readonly logGroupNames: string[] };
  /**
   * Let EC2 Auto Scaling (its service-linked role) use the key, as encrypted node volumes need.
   * The role must exist before the key: it is looked up at plan time.
   *
   * @default false
   */
  readonly allowAutoScaling?: boolean;
}

/**
 * A symmetric customer-managed KMS key with yearly rotation and a key policy that keeps the account
 * in control (so IAM policies decide who may use it, and nobody is locked out) and lets the named
 * AWS services use it.
 */
export class CustomerKey extends Construct {
  public readonly key: KmsKey;
  public readonly arn: string;

  constructor(scope: Construct, id: string, props: CustomerKeyProps) {
    super(scope, id);
    check(this, checkKmsAlias('alias', props.alias));
    const account = new DataAwsCallerIdentity(this, 'Account');
    const partition = new DataAwsPartition(this, 'Partition');
    const statements: object[] = [
      {
        Sid: 'AccountControl',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition.partition}:iam::${account.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ];
    if (props.cloudWatchLogs && props.cloudWatchLogs.logGroupNames.length > 0) {
      const { region, logGroupNames } = props.cloudWatchLogs;
      statements.push({
        Sid: 'CloudWatchLogsUse',
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: [
          'kms:Encrypt*',
          'kms:Decrypt*',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:Describe*',
        ],
        Resource: '*',
        Condition: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': logGroupNames.map(
              (name) =>
                `arn:${partition.partition}:logs:${region}:${account.accountId}:log-group:${name}`,
            ),
          },
        },
      });
    }
    if (props.allowAutoScaling) {
      // Looked up, not spelled out: KMS refuses a key policy naming a role that does not exist,
      // and an account that never had an Auto Scaling group lacks this one; the lookup fails the
      // plan instead (create it once: AccountStack, or `aws iam create-service-linked-role
      // --aws-service-name autoscaling.amazonaws.com`).
      const asg = new DataAwsIamRole(this, 'AutoScalingRole', {
        name: 'AWSServiceRoleForAutoScaling',
      }).arn;
      statements.push(
        {
          Sid: 'AutoScalingUse',
          Effect: 'Allow',
          Principal: { AWS: asg },
          Action: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:DescribeKey',
          ],
          Resource: '*',
        },
        {
          Sid: 'AutoScalingGrants',
          Effect: 'Allow',
          Principal: { AWS: asg },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
        },
      );
    }
    this.key = new KmsKey(this, 'Resource', {
      description: `eval-sandbox: ${props.alias}`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    });
    new KmsAlias(this, 'Alias', { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
  }
}
