import { INSTANCE_METADATA_CIDRS } from '../../../constructs/shared/platform';
import { AdmissionRule, celStringList } from '../rule';

const ID = 'SBX-R10-no-metadata-egress';

/** The metadata addresses (single hosts) a NetworkPolicy must never open. */
export const METADATA_IPS = INSTANCE_METADATA_CIDRS.map((c) => c.replace(/\/\d+$/, ''));

const OPENS = (peer: string) =>
  `${celStringList(METADATA_IPS)}.exists(m, cidr(${peer}.ipBlock.cidr).containsIP(ip(m)) && ` +
  `!(has(${peer}.ipBlock.except) && ${peer}.ipBlock.except.exists(e, cidr(e).containsIP(ip(m)))))`;

export const rule: AdmissionRule = {
  id: ID,
  title: 'No NetworkPolicy opens the instance-metadata endpoints',
  blocks:
    'NetworkPolicies whose egress reaches 169.254.169.254, 169.254.170.23, fd00:ec2::254 or fd00:ec2::23: an ' +
    'ipBlock containing one without an except covering it, or an egress rule with no destination (all).',
  why:
    'The metadata service hands out the node role credentials and the Pod Identity agent hands out pod ' +
    'credentials; one allow rule in the namespace overrides the default deny.',
  severity: 'critical',
  enabledByDefault: true,
  scope: 'sandbox-namespaces',
  match: [
    {
      apiGroups: ['networking.k8s.io'],
      resources: ['networkpolicies'],
      operations: ['CREATE', 'UPDATE'],
    },
  ],
  validations: [
    {
      expression:
        '!has(object.spec.egress) || object.spec.egress.all(r, has(r.to) && size(r.to) > 0)',
      messageExpression: `'spec.egress: every rule must name destinations; an empty to allows all, metadata included [${ID}]'`,
    },
    {
      expression:
        '!has(object.spec.egress) || object.spec.egress.all(r, !has(r.to) || r.to.all(p, !has(p.ipBlock) || !' +
        OPENS('p') +
        '))',
      messageExpression:
        "'spec.egress.to.ipBlock: ' + object.spec.egress.map(r, has(r.to) ? r.to.filter(p, has(p.ipBlock) && " +
        OPENS('p') +
        `).map(p, p.ipBlock.cidr) : []).map(l, l.join(', ')).filter(s, s != '').join(', ') + ' must except the metadata addresses [${ID}]'`,
    },
  ],
};
