import { finding, TfRule } from '../rule';

const FLAGS = [
  'block_public_acls',
  'block_public_policy',
  'ignore_public_acls',
  'restrict_public_buckets',
];

export const S3_PUBLIC_ACCESS_BLOCK: TfRule = {
  id: 'SBX-TF10-s3-public-access-blocked',
  title: 'Every S3 bucket blocks public access',
  why: 'Evaluation artifacts include transcripts and model outputs; one public ACL or policy would publish them.',
  severity: 'error',
  mirrors: { checkov: ['CKV2_AWS_6', 'CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56'] },
  check(model) {
    return model.ofType('aws_s3_bucket').flatMap((bucket) => {
      const blocks = model.referencing('aws_s3_bucket_public_access_block', 'bucket', bucket);
      if (blocks.length === 0)
        return [
          finding(this, bucket, 'no aws_s3_bucket_public_access_block refers to this bucket'),
        ];
      return blocks.flatMap((b) => {
        const off = FLAGS.filter((f) => b.config[f] !== true);
        return off.length === 0 ? [] : [finding(this, b, `${off.join(', ')} must be true`)];
      });
    });
  },
};
