import { EGRESS_GATEWAY_DENIED_DESTINATIONS } from '../../../constructs/shared/egress-gateway-config';
import { LABEL_DOMAIN } from '../../../constructs/shared/labels';
import { AdmissionRule, celString, celStringList } from '../rule';

const ID = 'SBX-R19-internet-egress-gateway-only';

/**
 * The pod label of a sandbox's egress gateway. Only pods the platform creates may carry it, and
 * only a NetworkPolicy whose podSelector is exactly this label may open egress to the internet.
 */
export const EGRESS_GATEWAY_LABEL = `${LABEL_DOMAIN}/egress-gateway`;
/** The value of {@link EGRESS_GATEWAY_LABEL}. */
export const EGRESS_GATEWAY_LABEL_VALUE = 'true';
/** The name of the ConfigMap holding the gateway's squid.conf (only the platform writes it). */
export const EGRESS_GATEWAY_CONFIG_NAME = 'egress-gateway-config';

/** Ranges that carry another network's addresses inside them (Teredo, 6to4, local-use NAT64). */
const EMBEDDING = new Set(['2001::/32', '2002::/16', '64:ff9b:1::/48']);

/**
 * Ranges that are not the internet: the gateway's denied destinations (private, CGNAT, loopback,
 * link-local, ULA, multicast, reserved, and NAT64 forms of the internal IPv4 ranges) without the
 * ranges that embed arbitrary IPv4 addresses. An egress ipBlock inside one of them is not internet
 * egress; every other ipBlock is.
 */
export const NON_INTERNET_CIDRS: readonly string[] = EGRESS_GATEWAY_DENIED_DESTINATIONS.filter(
  (c) => !EMBEDDING.has(c),
);

const LABEL = celString(EGRESS_GATEWAY_LABEL);

/** `o` (an object or oldObject, possibly null) carries the gateway label. */
const LABELLED = (o: string) =>
  `(${o} != null && has(${o}.metadata.labels) && ${LABEL} in ${o}.metadata.labels)`;

/** The gateway label is the same (absent, or with the same value) on object and oldObject. */
const LABEL_UNCHANGED =
  `(${LABELLED('object')} == ${LABELLED('oldObject')} && ` +
  `(!${LABELLED('object')} || object.metadata.labels[${LABEL}] == oldObject.metadata.labels[${LABEL}]))`;

/** The egress rule `r` reaches the internet: no destinations (all), or an ipBlock outside every non-internet range. */
const INTERNET_RULE = (r: string) =>
  `(!has(${r}.to) || size(${r}.to) == 0 || ${r}.to.exists(p, has(p.ipBlock) && !(isCIDR(p.ipBlock.cidr) && ` +
  `${celStringList(NON_INTERNET_CIDRS)}.exists(c, cidr(c).containsCIDR(p.ipBlock.cidr)))))`;

/** The policy selects exactly the gateway pods: `matchLabels` the gateway label, nothing else. */
const GATEWAY_SELECTOR =
  `(has(object.spec.podSelector.matchLabels) && object.spec.podSelector.matchLabels == {${LABEL}: ${celString(EGRESS_GATEWAY_LABEL_VALUE)}} && ` +
  '(!has(object.spec.podSelector.matchExpressions) || size(object.spec.podSelector.matchExpressions) == 0))';

export const rule: AdmissionRule = {
  id: ID,
  title: "Only the platform's egress gateway may reach the internet from a sandbox",
  blocks:
    'A NetworkPolicy egress rule that reaches the internet (no destinations, or an ipBlock not inside a ' +
    'private, CGNAT, loopback, link-local, unique-local, multicast or reserved range) unless the platform ' +
    `identity sends it and its podSelector is exactly ${EGRESS_GATEWAY_LABEL}=${EGRESS_GATEWAY_LABEL_VALUE}; ` +
    `a Pod that carries ${EGRESS_GATEWAY_LABEL}, or an update that adds, changes or removes it or changes a ` +
    `labelled Pod, by anyone but the platform (the kubelet's status updates keep the label and pass); a ` +
    `ConfigMap named ${EGRESS_GATEWAY_CONFIG_NAME} or carrying the label written by anyone but the platform.`,
  why:
    'Agents reach the internet only through their egress gateway, which allows listed names and checks ' +
    'every address it connects to. A second route (a policy opening 0.0.0.0/0 to the agent, a pod labelled ' +
    'as the gateway by a Job template, a rewritten squid.conf) would bypass it; the label is what the ' +
    "gateway's policy selects, so who may set it decides who gets the internet.",
  severity: 'critical',
  enabledByDefault: true,
  scope: 'sandbox-namespaces',
  needsPlatformIdentity: true,
  bound:
    `internet egress only in a platform-created NetworkPolicy selecting ${EGRESS_GATEWAY_LABEL}=${EGRESS_GATEWAY_LABEL_VALUE}, ` +
    'and that label only on platform-created Pods',
  match: [
    {
      apiGroups: ['networking.k8s.io'],
      resources: ['networkpolicies'],
      operations: ['CREATE', 'UPDATE'],
    },
    {
      apiGroups: [''],
      resources: ['pods', 'pods/status', 'pods/ephemeralcontainers', 'pods/resize', 'configmaps'],
      operations: ['CREATE', 'UPDATE'],
    },
  ],
  validations: [
    {
      expression:
        "object.kind != 'NetworkPolicy' || !has(object.spec.egress) || " +
        `!object.spec.egress.exists(r, ${INTERNET_RULE('r')}) || (variables.isPlatform && ${GATEWAY_SELECTOR})`,
      messageExpression: celString(
        `spec.egress: only the platform's egress gateway policy (podSelector exactly ${EGRESS_GATEWAY_LABEL}=` +
          `${EGRESS_GATEWAY_LABEL_VALUE}, created by the platform identity) may reach the internet; open ` +
          'private ranges with ipBlocks, and names through the egress gateway [' +
          ID +
          ']',
      ),
    },
    {
      expression:
        "object.kind != 'Pod' || variables.isPlatform || " +
        `(!has(request.subResource) || request.subResource == '' ? !${LABELLED('object')} && !${LABELLED('oldObject')} : ${LABEL_UNCHANGED})`,
      messageExpression: celString(
        `metadata.labels: only the platform identity may create or change a Pod labelled ${EGRESS_GATEWAY_LABEL} ` +
          `(the egress gateway), or add or remove the label [${ID}]`,
      ),
    },
    {
      expression:
        "object.kind != 'ConfigMap' || variables.isPlatform || " +
        `(object.metadata.name != ${celString(EGRESS_GATEWAY_CONFIG_NAME)} && !${LABELLED('object')} && !${LABELLED('oldObject')})`,
      messageExpression: celString(
        `metadata.name: only the platform identity may write the egress gateway's configuration ` +
          `(${EGRESS_GATEWAY_CONFIG_NAME}, or a ConfigMap labelled ${EGRESS_GATEWAY_LABEL}) [${ID}]`,
      ),
    },
  ],
};
