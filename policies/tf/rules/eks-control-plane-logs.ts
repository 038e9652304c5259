import { finding, TfRule } from '../rule';

export const EKS_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

export const EKS_CONTROL_PLANE_LOGS: TfRule = {
  id: 'SBX-TF2-eks-control-plane-logs',
  title: 'All five EKS control-plane log types are enabled',
  why: 'Audit and authenticator logs are how an escape or a stolen credential is seen and investigated.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_37'], cis: 'CIS EKS 2.1.1' },
  check(model) {
    return model.ofType('aws_eks_cluster').flatMap((c) => {
      const enabled: unknown[] = Array.isArray(c.config.enabled_cluster_log_types)
        ? c.config.enabled_cluster_log_types
        : [];
      const missing = EKS_LOG_TYPES.filter((t) => !enabled.includes(t));
      return missing.length === 0
        ? []
        : [finding(this, c, `enabled_cluster_log_types is missing ${missing.join(', ')}`)];
    });
  },
};
