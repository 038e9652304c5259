import { single } from '../model';
import { finding, TfRule } from '../rule';

export const ECR_SCAN_ON_PUSH: TfRule = {
  id: 'SBX-TF13-ecr-scan-on-push',
  title: 'ECR repositories scan images on push',
  why: 'Known-vulnerable task images are flagged before an evaluation runs them.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_163'] },
  check(model) {
    return model
      .ofType('aws_ecr_repository')
      .filter((r) => single(r.config.image_scanning_configuration)?.scan_on_push !== true)
      .map((r) => finding(this, r, 'image_scanning_configuration.scan_on_push must be true'));
  },
};
