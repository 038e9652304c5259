import { ArtifactStore } from '../../../constructs/aws/artifact-store';
import { ImageRegistry } from '../../../constructs/aws/image-registry';
import { ThreatDetection } from '../../../constructs/aws/threat-detection';
import { Json, one, policy, resources, synthConstruct } from '../../support/aws';

describe('ArtifactStore', () => {
  const json = synthConstruct((s) => new ArtifactStore(s, 'Artifacts', { name: 'dev' }));
  const bucketRef = (attr: string) =>
    `\${aws_s3_bucket.${Object.keys(resources(json, 'aws_s3_bucket'))[0]}.${attr}}`;

  test('GIVEN defaults THEN the bucket has a generated name and is not force-destroyed', () => {
    const bucket = one(json, 'aws_s3_bucket');
    expect(bucket.bucket_prefix).toBe('dev-artifacts-');
    expect(bucket.bucket).toBeUndefined();
    expect(bucket.force_destroy).toBe(false);
  });

  test('GIVEN defaults THEN versioning is on', () => {
    expect(one(json, 'aws_s3_bucket_versioning').versioning_configuration).toEqual({
      status: 'Enabled',
    });
  });

  test('GIVEN defaults THEN objects are encrypted with its own rotating customer key, bucket keys on', () => {
    const [rule] = one(json, 'aws_s3_bucket_server_side_encryption_configuration').rule;
    expect(rule.apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: 'aws:kms',
      kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.Artifacts_Key_\w+\.arn\}$/),
    });
    expect(rule.bucket_key_enabled).toBe(true);
    expect(one(json, 'aws_kms_key').enable_key_rotation).toBe(true);
  });

  test('GIVEN defaults THEN all four public access blocks are on', () => {
    const pab = one(json, 'aws_s3_bucket_public_access_block');
    expect([
      pab.block_public_acls,
      pab.block_public_policy,
      pab.ignore_public_acls,
      pab.restrict_public_buckets,
    ]).toEqual([true, true, true, true]);
  });

  test('GIVEN defaults THEN the bucket policy denies every request without TLS', () => {
    expect(policy(one(json, 'aws_s3_bucket_policy').policy).Statement).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketRef('arn'), `${bucketRef('arn')}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  test('GIVEN defaults THEN artifacts expire after a year, old versions after 30 days, broken uploads after 7', () => {
    const [rule] = one(json, 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rule.status).toBe('Enabled');
    expect(rule.expiration).toEqual([{ days: 365 }]);
    expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: 30 }]);
    expect(rule.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 7 }]);
  });

  test('GIVEN a bucket name and expiry THEN they are used', () => {
    const json = synthConstruct(
      (s) =>
        new ArtifactStore(s, 'M', { name: 'm', bucketName: 'my-mirror', expireAfterDays: 3650 }),
    );
    expect(one(json, 'aws_s3_bucket').bucket).toBe('my-mirror');
    expect(one(json, 'aws_s3_bucket_lifecycle_configuration').rule[0].expiration).toEqual([
      { days: 3650 },
    ]);
  });
});

describe('ImageRegistry', () => {
  const json = synthConstruct((s) => new ImageRegistry(s, 'Registry', { name: 'dev' }));
  const repo = one(json, 'aws_ecr_repository');

  test('GIVEN defaults THEN tags are immutable, images are scanned on push and encrypted with a customer key', () => {
    expect(repo.name).toBe('dev/tasks');
    expect(repo.image_tag_mutability).toBe('IMMUTABLE');
    expect(repo.image_scanning_configuration).toEqual({ scan_on_push: true });
    expect(repo.encryption_configuration).toEqual([
      {
        encryption_type: 'KMS',
        kms_key: expect.stringMatching(/^\$\{aws_kms_key\.Registry_Key_\w+\.arn\}$/),
      },
    ]);
  });

  test('GIVEN defaults THEN untagged images expire after 14 days', () => {
    const rules = JSON.parse(one(json, 'aws_ecr_lifecycle_policy').policy).rules;
    expect(rules).toEqual([
      expect.objectContaining({
        selection: expect.objectContaining({ tagStatus: 'untagged', countNumber: 14 }),
        action: { type: 'expire' },
      }),
    ]);
  });
});

describe('ThreatDetection', () => {
  const json: Json = synthConstruct((s) => new ThreatDetection(s, 'ThreatDetection'));

  test('GIVEN defaults THEN GuardDuty is on with EKS audit-log and runtime monitoring (managed agent)', () => {
    expect(one(json, 'aws_guardduty_detector').enable).toBe(true);
    const features = Object.values(resources(json, 'aws_guardduty_detector_feature'));
    expect(features.map((f) => [f.name, f.status])).toEqual([
      ['EKS_AUDIT_LOGS', 'ENABLED'],
      ['RUNTIME_MONITORING', 'ENABLED'],
    ]);
    expect(features[1].additional_configuration).toEqual([
      { name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' },
    ]);
  });
});
