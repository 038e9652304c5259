import { list, single } from '../model';
import { finding, TfRule } from '../rule';

export const EKS_SECRETS_ENCRYPTION: TfRule = {
  id: 'SBX-TF3-eks-secrets-encryption',
  title: 'EKS Secrets are envelope-encrypted with a customer KMS key',
  why: 'Envelope encryption keeps Secrets unreadable in etcd backups and lets you revoke access by disabling the key.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_58'], cis: 'CIS EKS 5.3.1' },
  check(model) {
    return model.ofType('aws_eks_cluster').flatMap((c) => {
      const ok = list(c.config.encryption_config).some(
        (e) =>
          Array.isArray(e.resources) &&
          e.resources.includes('secrets') &&
          typeof single(e.provider)?.key_arn === 'string',
      );
      return ok
        ? []
        : [finding(this, c, 'encryption_config must encrypt "secrets" with provider.key_arn')];
    });
  },
};
