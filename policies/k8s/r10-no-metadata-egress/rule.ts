import { INSTANCE_METADATA_CIDRS, LINK_LOCAL_CIDRS } from '../../../constructs/shared/platform';
import { AdmissionRule, celStringList } from '../rule';

const ID = 'SBX-R10-no-metadata-egress';

/** The metadata addresses (single hosts) a NetworkPolicy must never open. */
export const METADATA_IPS = INSTANCE_METADATA_CIDRS.map((c) => c.replace(/\/\d+$/, ''));

/**
 * `x` is a CIDR in the one form the API server's CEL prints it in: a network address (no host
 * bits), IPv6 in lower case and shortest form, prefix length without leading zeros, and not an
 * IPv4-mapped IPv6 range (`cidr()` refuses those; network plugins read them in different ways).
 */
export const canonicalCidr = (x: string) => `(isCIDR(${x}) && string(cidr(${x}).masked()) == ${x})`;

/** The ipBlock `b` and every entry of its `except` are canonical. */
const CANONICAL = (b: string) =>
  `(${canonicalCidr(`${b}.cidr`)} && (!has(${b}.except) || ${b}.except.all(e, ${canonicalCidr('e')})))`;

/**
 * The canonical ipBlock `b` keeps link-local and metadata closed: it does not lie inside a
 * link-local range; a link-local range inside it is covered by one `except` entry as a whole; a
 * metadata address inside it is covered by an `except` entry.
 */
const CLOSED = (b: string) =>
  `(${celStringList(LINK_LOCAL_CIDRS)}.all(l, !cidr(l).containsCIDR(${b}.cidr) && ` +
  `(!cidr(${b}.cidr).containsCIDR(l) || (has(${b}.except) && ${b}.except.exists(e, cidr(e).containsCIDR(l))))) && ` +
  `${celStringList(METADATA_IPS)}.all(m, !cidr(${b}.cidr).containsIP(m) || ` +
  `(has(${b}.except) && ${b}.except.exists(e, cidr(e).containsIP(m)))))`;

/** The ipBlock CIDRs of egress peers for which `bad(ipBlock)` holds, joined with ', '. */
const offending = (bad: (b: string) => string) =>
  'object.spec.egress.map(r, has(r.to) ? r.to.filter(p, has(p.ipBlock) && ' +
  bad('p.ipBlock') +
  ").map(p, p.ipBlock.cidr) : []).map(l, l.join(', ')).filter(s, s != '').join(', ')";

export const rule: AdmissionRule = {
  id: ID,
  title: 'No NetworkPolicy opens the instance-metadata endpoints or link-local addresses',
  blocks:
    'NetworkPolicy egress that reaches 169.254.169.254, 169.254.170.23, fd00:ec2::254, fd00:ec2::23 or ' +
    'anything link-local (169.254.0.0/16, fe80::/10: the VPC DNS resolver at 169.254.169.253, the time ' +
    'service): an ipBlock inside a link-local range, an ipBlock containing one without an except entry ' +
    'covering all of it, an ipBlock containing a metadata address without excepting it, an ipBlock or ' +
    'except written in a non-canonical form (host bits, IPv4-mapped IPv6, upper case, leading zeros), or ' +
    'an egress rule with no destination (all).',
  why:
    'The metadata service hands out the node role credentials and the Pod Identity agent hands out pod ' +
    'credentials; the VPC resolver is a DNS path around cluster DNS; one allow rule in the namespace ' +
    'overrides the default deny. Non-canonical CIDRs are read differently by the API server, its CEL ' +
    'and the network plugin, so a check on one reading can be dodged with another.',
  severity: 'critical',
  enabledByDefault: true,
  bound:
    'an ipBlock overlapping 169.254.0.0/16 or fe80::/10 excepts the whole link-local range; the metadata addresses are never reachable; CIDRs are canonical',
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
      expression: `!has(object.spec.egress) || object.spec.egress.all(r, !has(r.to) || r.to.all(p, !has(p.ipBlock) || ${CANONICAL('p.ipBlock')}))`,
      messageExpression:
        `'spec.egress.to.ipBlock: ' + ${offending((b) => `!${CANONICAL(b)}`)} + ` +
        `' (or its except entries) must be written as canonical CIDRs: the network address, IPv6 in lower ` +
        `case and shortest form, no leading zeros, no IPv4-mapped IPv6 [${ID}]'`,
    },
    {
      expression: `!has(object.spec.egress) || object.spec.egress.all(r, !has(r.to) || r.to.all(p, !has(p.ipBlock) || !${CANONICAL('p.ipBlock')} || ${CLOSED('p.ipBlock')}))`,
      messageExpression:
        `'spec.egress.to.ipBlock: ' + ${offending((b) => `${CANONICAL(b)} && !${CLOSED(b)}`)} + ` +
        `' must not lie inside ${LINK_LOCAL_CIDRS.join(' or ')}, and must except each of them it contains ` +
        `as a whole and the metadata addresses ${METADATA_IPS.join(', ')} [${ID}]'`,
    },
  ],
};
