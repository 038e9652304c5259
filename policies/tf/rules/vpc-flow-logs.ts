import { finding, TfRule } from '../rule';

export const VPC_FLOW_LOGS: TfRule = {
  id: 'SBX-TF7-vpc-flow-logs',
  title: 'Every VPC has flow logs',
  why: 'Flow logs are the record of where a sandbox tried to connect, allowed or not.',
  severity: 'error',
  mirrors: { checkov: ['CKV2_AWS_11'] },
  check(model) {
    return model
      .ofType('aws_vpc')
      .filter((vpc) => model.referencing('aws_flow_log', 'vpc_id', vpc).length === 0)
      .map((vpc) => finding(this, vpc, 'no aws_flow_log refers to this VPC'));
  },
};
