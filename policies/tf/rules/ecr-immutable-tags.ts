import { finding, TfRule } from '../rule';

export const ECR_IMMUTABLE_TAGS: TfRule = {
  id: 'SBX-TF12-ecr-immutable-tags',
  title: 'ECR repositories have immutable tags',
  why: 'A tag that can be overwritten lets a pushed image replace a reviewed one; digests and immutable tags keep them apart.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_51'] },
  check(model) {
    return model
      .ofType('aws_ecr_repository')
      .filter((r) => r.config.image_tag_mutability !== 'IMMUTABLE')
      .map((r) => finding(this, r, 'image_tag_mutability must be "IMMUTABLE"'));
  },
};
