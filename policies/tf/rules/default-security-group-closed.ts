import { list } from '../model';
import { finding, TfRule } from '../rule';

export const DEFAULT_SECURITY_GROUP_CLOSED: TfRule = {
  id: 'SBX-TF8-default-security-group-closed',
  title: 'The default security group of every VPC allows nothing',
  why: 'Anything launched without a security group lands in the default one; open rules there are an accidental path in or out.',
  severity: 'error',
  mirrors: { checkov: ['CKV2_AWS_12'], cis: 'CIS AWS 5.4' },
  check(model) {
    return model.ofType('aws_vpc').flatMap((vpc) => {
      const groups = model.referencing('aws_default_security_group', 'vpc_id', vpc);
      if (groups.length === 0)
        return [
          finding(
            this,
            vpc,
            'no aws_default_security_group manages (and empties) its default security group',
          ),
        ];
      return groups
        .filter((g) => list(g.config.ingress).length > 0 || list(g.config.egress).length > 0)
        .map((g) => finding(this, g, 'ingress and egress must be empty'));
    });
  },
};
