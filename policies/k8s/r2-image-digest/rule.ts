import { INSTANCE_METADATA_CIDRS } from '../../../constructs/shared/platform';
import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celString, celStringList, RuleValidation } from '../rule';
import { ALL_CONTAINER_LISTS, everyContainer, workloadRule } from '../workload';

const ID = 'SBX-R2-image-digest';

/** RE2: a reference that ends in a sha256 digest of 64 lowercase hex characters. */
export const DIGEST_PATTERN = '^[^@\\\\s]+@sha256:[a-f0-9]{64}$';

/** Names that resolve to a loopback address on a node (its /etc/hosts), besides `*.localhost`. */
export const LOOPBACK_HOSTNAMES = [
  'localhost',
  'localhost.localdomain',
  'localhost4',
  'localhost4.localdomain4',
  'localhost6',
  'localhost6.localdomain6',
  'ip6-localhost',
  'ip6-loopback',
];

/**
 * Names of instance-metadata services (`instance-data.<anything>` too: EC2 resolves
 * `instance-data.ec2.internal` and `instance-data.<region>.compute.internal`; GCE `metadata`).
 */
export const METADATA_HOSTNAMES = ['instance-data', 'metadata', 'metadata.google.internal'];

/** RE2: a registry `host[:port]` in lower case: DNS labels or a bracketed IPv6 address. */
const REGISTRY_SYNTAX =
  '^(\\[[0-9a-f:]+\\]|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(:[0-9]{1,5})?$';

/** RE2: a host whose last label is a number, which resolvers read as an IPv4 address. */
const NUMERIC_HOST = '(^|[.])(0x[0-9a-f]*|[0-9]+)$';

/**
 * CEL: the registry of the image reference `i` as Docker splits it: the first path segment when it
 * contains '.' or ':', is 'localhost' or has upper case; otherwise the default registry,
 * 'docker.io'. In lower case (host names are case-insensitive).
 */
export const registryOf = (i: string) =>
  `((${i}.contains('/') && [${i}.split('/')[0]].all(f, f.contains('.') || f.contains(':') || ` +
  `f == 'localhost' || f != f.lowerAscii())) ? ${i}.split('/')[0].lowerAscii() : 'docker.io')`;

/** CEL: the host of the registry `r` (`host[:port]`, `[ipv6][:port]`), without port or brackets. */
const hostOf = (r: string) =>
  `(${r}.startsWith('[') ? (${r}.indexOf(']') > 0 ? ${r}.substring(1, ${r}.indexOf(']')) : '') : ${r}.split(':')[0])`;

/** CEL: the IP address `h` is one a registry may have (not loopback, link-local, metadata…). */
const addressOk = (h: string) =>
  `(ip(${h}).isGlobalUnicast() && !cidr('0.0.0.0/8').containsIP(${h}) && ` +
  `!${celStringList(INSTANCE_METADATA_CIDRS)}.exists(m, cidr(m).containsIP(${h})))`;

/**
 * CEL: the image reference `i` names a registry host that may serve sandbox images: well formed;
 * not a loopback or metadata name; a numeric host only as a canonical dotted IPv4; an IP literal
 * (dotted IPv4, bracketed IPv6) only when it is a global unicast address that is no metadata
 * address; and one of `allowed` when that list is not empty.
 */
export function registryOk(i: string, allowed: readonly string[] = []): string {
  const names = celStringList([...LOOPBACK_HOSTNAMES, ...METADATA_HOSTNAMES]);
  const host =
    `!(h in ${names} || h.endsWith('.localhost') || h.startsWith('instance-data.')) && ` +
    `(!h.matches(${celString(NUMERIC_HOST)}) || isIP(h)) && ` +
    `(r.startsWith('[') ? (isIP(h) && ${addressOk('h')}) : (!isIP(h) || ${addressOk('h')}))` +
    (allowed.length > 0 ? ` && r in ${celStringList(allowed)}` : '');
  return (
    `[${registryOf(i)}].all(r, r.matches(${celString(REGISTRY_SYNTAX)}) && ` +
    `[${hostOf('r')}].all(h, ${host}))`
  );
}

const digestOk = (i: string) => `${i}.matches('${DIGEST_PATTERN}')`;

/** One validation over the image volumes (`volumes[].image.reference`) of the pod spec. */
function imageVolumes(ok: (ref: string) => string, what: string): RuleValidation {
  const good = `(!has(v.image) || (has(v.image.reference) && ${ok('v.image.reference')}))`;
  return {
    expression: `!has(variables.spec.volumes) || variables.spec.volumes.all(v, ${good})`,
    messageExpression:
      `variables.path + '.volumes[' + variables.spec.volumes.filter(v, !${good}).map(v, v.name).join(', ') + ` +
      celString(`].image.reference: ${what} [${ID}]`),
  };
}

export function rule(p: ResolvedParameters): AdmissionRule {
  const allowed = p.allowedRegistries;
  const registries =
    allowed.length > 0
      ? `one of ${allowed.join(', ')} (no registry means docker.io)`
      : 'any registry that is not a loopback, link-local, unspecified or metadata host';
  const hostProblem =
    'registry host must not be localhost, a loopback, link-local, unspecified or metadata address or name, ' +
    'or a numeric host other than a dotted IPv4' +
    (allowed.length > 0 ? `, and must be one of ${allowed.join(', ')}` : '');
  const digestProblem = 'must be pinned by digest (name@sha256:<64 lowercase hex>)';
  return workloadRule({
    id: ID,
    title: 'Every image is pinned by sha256 digest and comes from an allowed registry host',
    blocks:
      'Containers, init containers, ephemeral containers and image volumes whose image is a tag or a bare ' +
      'name, or whose registry host is localhost, a loopback, link-local or unspecified address, a metadata ' +
      'host, a numeric host that is not a dotted IPv4 (127.1, 2130706433, 0x7f.1)' +
      (allowed.length > 0 ? ', or not one of the allowed registries.' : '.'),
    why:
      'A tag can be moved to other content after review; a digest names exactly the bytes that were scanned ' +
      'and approved. The node pulls images with its own network identity: a registry at 127.0.0.1:PORT or ' +
      "169.254.x.x makes the kubelet and the container runtime talk to the node's own services and to the " +
      'metadata endpoints the sandbox itself cannot reach.',
    severity: 'high',
    enabledByDefault: true,
    parameters: ['allowedRegistries'],
    bound: `image registries: ${registries}`,
    validations: [
      ...everyContainer(
        ID,
        ALL_CONTAINER_LISTS,
        (c) => `has(${c}.image) && ${digestOk(`${c}.image`)}`,
        '.image',
        digestProblem,
      ),
      ...everyContainer(
        ID,
        ALL_CONTAINER_LISTS,
        (c) => `has(${c}.image) && ${registryOk(`${c}.image`, allowed)}`,
        '.image',
        hostProblem,
      ),
      imageVolumes(digestOk, digestProblem),
      imageVolumes((ref) => registryOk(ref, allowed), hostProblem),
    ],
  });
}
