import { single } from '../model';
import { finding, TfRule } from '../rule';

export const IMDSV2: TfRule = {
  id: 'SBX-TF4-imdsv2-hop-limit-1',
  title: 'Instance metadata requires IMDSv2 tokens with a hop limit of 1',
  why: 'With IMDSv1 or a hop limit above 1 a pod can reach the node role credentials through the metadata service.',
  severity: 'error',
  mirrors: { checkov: ['CKV_AWS_79', 'CKV_AWS_341'], cis: 'CIS EKS 3.1 (node hardening)' },
  check(model) {
    return [...model.ofType('aws_launch_template'), ...model.ofType('aws_instance')].flatMap(
      (r) => {
        const m = single(r.config.metadata_options) ?? {};
        // No metadata service at all is compliant.
        if (m.http_endpoint === 'disabled') return [];
        const out = [];
        if (m.http_tokens !== 'required')
          out.push(finding(this, r, 'metadata_options.http_tokens must be "required"'));
        if (m.http_put_response_hop_limit !== 1)
          out.push(finding(this, r, 'metadata_options.http_put_response_hop_limit must be 1'));
        return out;
      },
    );
  },
};
