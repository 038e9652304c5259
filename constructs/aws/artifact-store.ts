import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
import { CustomerKey } from './customer-key';
import { IEncryptedBucket } from './references';
import { check, checkBucketName, checkDays, checkName } from './validation';

/** Properties for {@link ArtifactStore}. */
export interface ArtifactStoreProps {
  /** Environment name: prefix of the bucket (`<name>-artifacts-…`) and of its key's alias. */
  readonly name: string;
  /**
   * The bucket name.
   *
   * @default - generated from `name` with a unique suffix
   */
  readonly bucketName?: string;
  /**
   * Days after which current artifacts expire.
   *
   * @default 365
   */
  readonly expireAfterDays?: number;
  /**
   * The alias of the bucket's key (after `alias/`), for a store other stacks look up by name.
   *
   * @default - `<name>-artifacts`
   */
  readonly keyAlias?: string;
}

/**
 * An S3 bucket for evaluation artifacts: versioned, encrypted with a customer key (bucket keys
 * on), a TLS-only bucket policy, public access blocked, lifecycle rules (expiry, old versions,
 * aborted uploads). Evaluation results are written under `evaluations/` by the collector's
 * `ResultCollectorRole`, never by a sandbox (ADR 0003).
 */
export class ArtifactStore extends Construct implements IEncryptedBucket {
  public readonly bucket: S3Bucket;
  public readonly key: CustomerKey;
  public readonly bucketArn: string;
  public readonly keyArn: string;

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    check(this, checkName('name', props.name));
    if (props.bucketName !== undefined)
      check(this, checkBucketName('bucketName', props.bucketName));
    check(this, checkDays('expireAfterDays', props.expireAfterDays ?? 365, 1));
    this.key = new CustomerKey(this, 'Key', { alias: props.keyAlias ?? `${props.name}-artifacts` });
    this.bucket = new S3Bucket(this, 'Resource', {
      ...(props.bucketName
        ? { bucket: props.bucketName }
        : { bucketPrefix: `${props.name}-artifacts-` }),
      forceDestroy: false,
    });
    this.bucketArn = this.bucket.arn;
    this.keyArn = this.key.arn;
    new S3BucketPublicAccessBlock(this, 'PublicAccessBlock', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, 'Versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: 'aws:kms',
            kmsMasterKeyId: this.key.arn,
          },
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketPolicy(this, 'TlsOnly', {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
    new S3BucketLifecycleConfiguration(this, 'Lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'expire-artifacts',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: props.expireAfterDays ?? 365 }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }
}
