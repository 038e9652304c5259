import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';

/** Properties for {@link CustomerKey}. */
export interface CustomerKeyProps {
  /** What the key protects, for its description and alias (`alias/<alias>`). */
  readonly alias: string;
  /**
   * Service principals that may use the key (e.g. `logs.eu-west-2.amazonaws.com`).
   *
   * @default - none: only IAM principals of the account, through IAM policies
   */
  readonly servicePrincipals?: string[];
  /**
   * Let EC2 Auto Scaling (its service-linked role) use the key, as encrypted node volumes need.
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
    if (props.servicePrincipals && props.servicePrincipals.length > 0) {
      statements.push({
        Sid: 'ServiceUse',
        Effect: 'Allow',
        Principal: { Service: props.servicePrincipals },
        Action: [
          'kms:Encrypt*',
          'kms:Decrypt*',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:Describe*',
        ],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': account.accountId } },
      });
    }
    if (props.allowAutoScaling) {
      const asg = `arn:${partition.partition}:iam::${account.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
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
