import { single } from '../model';
import { finding, TfRule } from '../rule';

export const EKS_PRIVATE_ENDPOINT: TfRule = {
  id: 'SBX-TF1-eks-private-endpoint',
  title: 'The EKS API endpoint is private only',
  why: 'A public endpoint exposes the control plane to the internet; credentials leaked from a sandbox would be usable from anywhere.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_39', 'CKV_AWS_38'], cis: 'CIS EKS 5.4.2' },
  check(model) {
    return model.ofType('aws_eks_cluster').flatMap((c) => {
      const vpc = single(c.config.vpc_config) ?? {};
      const out = [];
      // The provider defaults endpoint_public_access to true: it must be set to false explicitly.
      if (vpc.endpoint_public_access !== false)
        out.push(finding(this, c, 'vpc_config.endpoint_public_access must be false'));
      if (vpc.endpoint_private_access !== true)
        out.push(finding(this, c, 'vpc_config.endpoint_private_access must be true'));
      return out;
    });
  },
};
