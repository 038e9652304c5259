import { KARPENTER_DO_NOT_DISRUPT_ANNOTATION } from '../shared/node-capacity';
import { createHash } from 'node:crypto';
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import * as ipaddr from 'ipaddr.js';
import {
  EGRESS_GATEWAY_DENIED_DESTINATIONS,
  EGRESS_GATEWAY_PORT,
  EGRESS_GATEWAY_RUN_DIRECTORY,
  renderSquidConfig,
} from '../shared/egress-gateway-config';
import { EGRESS_GATEWAY_IMAGE } from '../shared/egress-gateway-image';
import { COMPONENT_LABEL, NAMESPACE_NAME_LABEL } from '../shared/labels';
import { parseStrictCidr, parseStrictIp } from '../shared/network';
import {
  GVISOR_RUNTIME_CLASS,
  INSTANCE_METADATA_CIDRS,
  SANDBOX_PRIORITY_CLASS,
} from '../shared/platform';
import {
  checkDigestPinnedImage,
  checkDnsLabel,
  checkInteger,
  checkLabelKey,
  checkLabelValue,
} from '../shared/validation';
import { DEFAULT_PARAMETERS } from '../../policies/k8s/parameters';
import {
  EGRESS_GATEWAY_CONFIG_NAME,
  EGRESS_GATEWAY_LABEL,
  EGRESS_GATEWAY_LABEL_VALUE,
} from '../../policies/k8s/r19-internet-egress-gateway-only/rule';
import { check, checkCpu, checkSize, sizeKib, standardLabels } from './internal';

export {
  EGRESS_GATEWAY_CONFIG_NAME,
  EGRESS_GATEWAY_LABEL,
  EGRESS_GATEWAY_LABEL_VALUE,
} from '../../policies/k8s/r19-internet-egress-gateway-only/rule';

/** The Service CIDR EKS picks when the VPC is inside 10.0.0.0/8, as this platform's VPCs are. */
export const DEFAULT_SERVICE_CIDR = '172.20.0.0/16';
/** The name of the gateway's Pod, Service and NetworkPolicy. */
export const EGRESS_GATEWAY_NAME = 'egress-gateway';
/** The directory the gateway's ConfigMap is mounted on (read-only). */
export const EGRESS_GATEWAY_CONFIG_DIRECTORY = '/etc/eval-sandbox';
/** Where the gateway reads its squid.conf. */
export const EGRESS_GATEWAY_CONFIG_PATH = `${EGRESS_GATEWAY_CONFIG_DIRECTORY}/squid.conf`;
/** The Squid binary the gateway image must carry (Debian 12's `squid` package). */
export const EGRESS_GATEWAY_SQUID_BINARY = '/usr/sbin/squid';
/** Default CPU request and limit of the gateway. */
export const DEFAULT_EGRESS_GATEWAY_CPU = kplus.Cpu.millis(100);
/** Default memory request and limit of the gateway (Squid 5.7 peaked near 100 MB in the tests). */
export const DEFAULT_EGRESS_GATEWAY_MEMORY = Size.mebibytes(256);
/** Default ephemeral-storage request and limit of the gateway (its logs). */
export const DEFAULT_EGRESS_GATEWAY_EPHEMERAL_STORAGE = Size.mebibytes(256);
/** The size of the gateway's run directory (a tmpfs, charged to its memory). */
const RUN_DIRECTORY_SIZE = Size.mebibytes(16);

/**
 * The size of the band at the bottom of a Service CIDR that the API server keeps for addresses
 * set by hand (KEP-3070): min(max(16, size / 16), 256). Dynamic allocation takes the rest first.
 */
export function staticServiceBand(serviceCidr: string): number {
  const parsed = parseStrictCidr(serviceCidr);
  if (!parsed) throw new Error(`'${serviceCidr}' is not a CIDR`);
  const size = 2 ** (32 - parsed[1]);
  return Math.min(Math.max(16, Math.floor(size / 16)), 256);
}

/**
 * The gateway address derived for `seed` (the sandbox namespace): SHA-256 of the seed, taken modulo
 * the addresses of `serviceCidr` between its static band (kube-dns, the API server and other
 * hand-set addresses live there) and its last address. The same seed always gives the same
 * address; two seeds may collide, which the API server refuses (`provided IP is already
 * allocated`) and {@link EgressGateway} refuses within one app.
 */
export function deriveEgressGatewayAddress(serviceCidr: string, seed: string): string {
  const parsed = parseStrictCidr(serviceCidr);
  if (!parsed || parsed[0].kind() !== 'ipv4')
    throw new Error(`'${serviceCidr}' is not an IPv4 CIDR`);
  const bits = parsed[1];
  const size = 2 ** (32 - bits);
  const band = staticServiceBand(serviceCidr);
  const slots = size - band - 1; // not the static band, not the last address
  const hash = createHash('sha256').update(seed).digest();
  const offset = band + (hash.readUInt32BE(0) % slots);
  const base = ipaddr.IPv4.networkAddressFromCIDR(serviceCidr).toByteArray();
  const n = ((base[0] << 24) >>> 0) + (base[1] << 16) + (base[2] << 8) + base[3] + offset;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The gateway addresses taken in each app (keyed by the construct tree's root). */
const ADDRESSES = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Properties for {@link EgressGateway}.
 */
export interface EgressGatewayProps {
  /** The sandbox namespace the gateway serves (and lives in). */
  readonly namespace: string;

  /**
   * The gateway image, pinned by digest (`registry/repo/name@sha256:<64 lowercase hex>`). It must
   * carry Debian 12's `squid` (5.7) at `/usr/sbin/squid`, readable and runnable by `user`.
   *
   * @default EGRESS_GATEWAY_IMAGE - the project's reproducible build (scripts/build-images.sh:
   *   Debian 12's squid and the libraries it loads, nothing else); push its archive to that
   *   repository, or mirror it and give the mirror's reference
   */
  readonly image?: string;

  /**
   * Names the sandbox may reach: exact (`pypi.org`) or `*.suffix` (see `checkDomainPattern`).
   */
  readonly domains: string[];

  /**
   * Destination ports: 443 and any other port through CONNECT; 80, if listed, for plain `http://`.
   *
   * @default [443]
   */
  readonly ports?: number[];

  /**
   * The sandbox's identifying labels (evaluation id, task, model): on the gateway's objects and on
   * every access-log line. At least one.
   */
  readonly sandboxLabels: Record<string, string>;

  /**
   * Pod labels of the pods that may use the gateway (its only clients).
   *
   * @default { 'app.kubernetes.io/component': 'evaluation' } - the evaluation pods
   */
  readonly clientPodLabels?: Record<string, string>;

  /**
   * The cluster's Service CIDR (IPv4, /12 to /24): the gateway's ClusterIP is chosen in it.
   *
   * @default '172.20.0.0/16' - EKS's choice for a VPC inside 10.0.0.0/8
   */
  readonly serviceCidr?: string;

  /**
   * The gateway Service's ClusterIP, set by the platform. Must lie in `serviceCidr`, above its
   * static band and below its last address.
   *
   * @default - derived from the namespace name ({@link deriveEgressGatewayAddress})
   */
  readonly address?: string;

  /**
   * Namespace of the cluster DNS service, the gateway's resolver.
   *
   * @default 'kube-system'
   */
  readonly clusterDnsNamespace?: string;

  /**
   * Pod labels of the cluster DNS pods.
   *
   * @default { 'k8s-app': 'kube-dns' }
   */
  readonly clusterDnsPodLabels?: Record<string, string>;

  /**
   * CPU request and limit.
   *
   * @default Cpu.millis(100)
   */
  readonly cpu?: kplus.Cpu;

  /**
   * Memory request and limit (the run directory's 16Mi tmpfs counts against it).
   *
   * @default Size.mebibytes(256)
   */
  readonly memory?: Size;

  /**
   * Ephemeral-storage request and limit (its logs).
   *
   * @default Size.mebibytes(256)
   */
  readonly ephemeralStorage?: Size;

  /**
   * How long the gateway pod runs before the kubelet stops it (`activeDeadlineSeconds`), at most
   * the admission pack's bound (24 hours).
   *
   * @default 86400 (24 hours)
   */
  readonly activeDeadlineSeconds?: number;

  /**
   * User and group id the gateway runs as (never 0).
   *
   * @default 65532
   */
  readonly user?: number;
}

/**
 * A sandbox's egress gateway (ADR 0006): a Squid forward proxy in the sandbox namespace that lets
 * the evaluation pods reach a list of names and nothing else, and the only pod of the sandbox that
 * resolves names.
 *
 * - a ConfigMap with `renderSquidConfig()`'s squid.conf;
 * - a bare Pod (one replica; the platform creates it, which admission rule SBX-R19 checks) under the
 *   sandbox posture: gVisor, non-root, read-only root, all capabilities dropped, RuntimeDefault
 *   seccomp, no service account token, requests equal to limits, a deadline, a digest-pinned image;
 * - a Service with a fixed ClusterIP, so the clients' `HTTPS_PROXY` names an address (no DNS);
 * - NetworkPolicies: clients to the gateway's port; the gateway from its clients only; the gateway
 *   to cluster DNS and to the internet on the listed ports, with every internal range excepted.
 */
export class EgressGateway extends Construct {
  /** The gateway image (digest-pinned). */
  public readonly image: string;
  /** The gateway's ClusterIP. */
  public readonly address: string;
  /** The Service CIDR the address was chosen in. */
  public readonly serviceCidr: string;
  /** The port the gateway listens on. */
  public readonly port: number;
  /** The proxy URL the clients get: `http://<address>:<port>`. */
  public readonly proxyUrl: string;
  /** The allowed names. */
  public readonly domains: string[];
  /** The allowed destination ports. */
  public readonly ports: number[];
  /** Pod labels of the gateway's clients. */
  public readonly clientPodLabels: Record<string, string>;
  /** CPU request = limit. */
  public readonly cpu: kplus.Cpu;
  /** Memory request = limit. */
  public readonly memory: Size;
  /** Ephemeral storage request = limit. */
  public readonly ephemeralStorage: Size;
  /** `activeDeadlineSeconds` of the pod. */
  public readonly activeDeadlineSeconds: number;
  /** Run-as user and group. */
  public readonly user: number;
  /** The squid.conf the gateway runs. */
  public readonly squidConfig: string;
  /** The ConfigMap holding squid.conf. */
  public readonly config: kplus.k8s.KubeConfigMap;
  /** The gateway Pod (escape hatch). */
  public readonly resource: kplus.k8s.KubePod;
  /** The Service with the fixed ClusterIP. */
  public readonly service: kplus.k8s.KubeService;
  /** The gateway's own NetworkPolicy: cluster DNS, and the internet on `ports` minus internal ranges. */
  public readonly gatewayPolicy: kplus.k8s.KubeNetworkPolicy;
  /** Ingress to the gateway from its clients, on its port only. */
  public readonly ingressPolicy: kplus.k8s.KubeNetworkPolicy;
  /** Egress from the clients to the gateway, on its port only. */
  public readonly clientPolicy: kplus.k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: EgressGatewayProps) {
    super(scope, id);
    const ns = props.namespace;
    check(this, checkDnsLabel('namespace', ns));
    this.image = props.image ?? EGRESS_GATEWAY_IMAGE;
    check(this, checkDigestPinnedImage('image', this.image));

    this.domains = [...props.domains];
    this.ports = [...(props.ports ?? [443])];
    this.port = EGRESS_GATEWAY_PORT;
    this.squidConfig = renderSquidConfig(
      { domains: this.domains, ports: this.ports, labels: { ...props.sandboxLabels } },
      this.node.path,
    );

    this.clientPodLabels = { ...(props.clientPodLabels ?? { [COMPONENT_LABEL]: 'evaluation' }) };
    this.checkLabels('clientPodLabels', this.clientPodLabels);
    if (EGRESS_GATEWAY_LABEL in this.clientPodLabels) {
      check(
        this,
        `clientPodLabels may not name '${EGRESS_GATEWAY_LABEL}': the gateway is not its own client`,
      );
    }
    const dnsNamespace = props.clusterDnsNamespace ?? 'kube-system';
    check(this, checkDnsLabel('clusterDnsNamespace', dnsNamespace));
    const dnsPodLabels = { ...(props.clusterDnsPodLabels ?? { 'k8s-app': 'kube-dns' }) };
    this.checkLabels('clusterDnsPodLabels', dnsPodLabels);

    this.cpu = props.cpu ?? DEFAULT_EGRESS_GATEWAY_CPU;
    this.memory = props.memory ?? DEFAULT_EGRESS_GATEWAY_MEMORY;
    this.ephemeralStorage = props.ephemeralStorage ?? DEFAULT_EGRESS_GATEWAY_EPHEMERAL_STORAGE;
    check(this, checkCpu('cpu', this.cpu));
    check(this, checkSize('memory', this.memory));
    check(this, checkSize('ephemeralStorage', this.ephemeralStorage));
    if (sizeKib(this.memory) <= sizeKib(RUN_DIRECTORY_SIZE)) {
      check(
        this,
        `memory '${this.memory.asString()}' must exceed the run directory's ${RUN_DIRECTORY_SIZE.asString()} tmpfs; use at least Size.mebibytes(128)`,
      );
    }
    this.activeDeadlineSeconds =
      props.activeDeadlineSeconds ?? DEFAULT_PARAMETERS.maxActiveDeadlineSeconds;
    check(
      this,
      checkInteger(
        'activeDeadlineSeconds',
        this.activeDeadlineSeconds,
        1,
        DEFAULT_PARAMETERS.maxActiveDeadlineSeconds,
      ),
    );
    this.user = props.user ?? 65532;
    check(this, checkInteger('user', this.user, 1, 2_147_483_647));

    this.serviceCidr = props.serviceCidr ?? DEFAULT_SERVICE_CIDR;
    this.checkServiceCidr();
    this.address = props.address ?? deriveEgressGatewayAddress(this.serviceCidr, ns);
    this.checkAddress(props.address !== undefined);
    this.proxyUrl = `http://${this.address}:${this.port}`;

    const gatewayLabels = {
      ...props.sandboxLabels,
      ...standardLabels('egress-gateway'),
      [EGRESS_GATEWAY_LABEL]: EGRESS_GATEWAY_LABEL_VALUE,
    };
    const gatewaySelector = { [EGRESS_GATEWAY_LABEL]: EGRESS_GATEWAY_LABEL_VALUE };
    const objectLabels = { ...props.sandboxLabels, ...standardLabels('egress-gateway') };
    const q = kplus.k8s.Quantity.fromString;
    const int = kplus.k8s.IntOrString.fromNumber;

    this.config = new kplus.k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: EGRESS_GATEWAY_CONFIG_NAME, namespace: ns, labels: gatewayLabels },
      data: { 'squid.conf': this.squidConfig },
    });

    const resources = {
      cpu: q(this.cpu.amount),
      memory: q(this.memory.asString()),
      'ephemeral-storage': q(this.ephemeralStorage.asString()),
    };
    this.resource = new kplus.k8s.KubePod(this, 'Resource', {
      metadata: {
        name: EGRESS_GATEWAY_NAME,
        namespace: ns,
        labels: gatewayLabels,
        // Karpenter must not drain the node while the sandbox's run depends on its gateway.
        annotations: { [KARPENTER_DO_NOT_DISRUPT_ANNOTATION]: 'true' },
      },
      spec: {
        runtimeClassName: GVISOR_RUNTIME_CLASS,
        priorityClassName: SANDBOX_PRIORITY_CLASS,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        hostNetwork: false,
        restartPolicy: 'Always',
        activeDeadlineSeconds: this.activeDeadlineSeconds,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: this.user,
          runAsGroup: this.user,
          fsGroup: this.user,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [
          {
            name: 'squid',
            image: this.image,
            imagePullPolicy: 'IfNotPresent',
            command: [EGRESS_GATEWAY_SQUID_BINARY, '-N', '-f', EGRESS_GATEWAY_CONFIG_PATH],
            ports: [{ name: 'proxy', containerPort: this.port, protocol: 'TCP' }],
            readinessProbe: { tcpSocket: { port: int(this.port) }, periodSeconds: 5 },
            resources: { requests: resources, limits: resources },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: this.user,
              runAsGroup: this.user,
              privileged: false,
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
            terminationMessagePolicy: 'FallbackToLogsOnError',
            volumeMounts: [
              { name: 'config', mountPath: EGRESS_GATEWAY_CONFIG_DIRECTORY, readOnly: true },
              { name: 'run', mountPath: EGRESS_GATEWAY_RUN_DIRECTORY },
            ],
          },
        ],
        volumes: [
          { name: 'config', configMap: { name: EGRESS_GATEWAY_CONFIG_NAME } },
          {
            name: 'run',
            emptyDir: { medium: 'Memory', sizeLimit: q(RUN_DIRECTORY_SIZE.asString()) },
          },
        ],
      },
    });

    this.service = new kplus.k8s.KubeService(this, 'Service', {
      metadata: { name: EGRESS_GATEWAY_NAME, namespace: ns, labels: objectLabels },
      spec: {
        type: 'ClusterIP',
        clusterIp: this.address,
        selector: gatewaySelector,
        // Port and target port equal: the VPC CNI's policy controller needs that (and the selector
        // equal to the policies' podSelector) to add the ClusterIP to the clients' allowed peers.
        ports: [{ name: 'proxy', port: this.port, targetPort: int(this.port), protocol: 'TCP' }],
      },
    });

    const policyLabels = standardLabels('network-policy');
    const proxyPort = [{ protocol: 'TCP', port: int(this.port) }];
    this.clientPolicy = new kplus.k8s.KubeNetworkPolicy(this, 'ClientPolicy', {
      metadata: { name: 'allow-egress-to-gateway', namespace: ns, labels: policyLabels },
      spec: {
        podSelector: { matchLabels: { ...this.clientPodLabels } },
        policyTypes: ['Egress'],
        egress: [
          {
            // The pods (after the Service's DNAT) and the ClusterIP (for plugins that judge before it).
            to: [
              { podSelector: { matchLabels: { ...gatewaySelector } } },
              { ipBlock: { cidr: `${this.address}/32` } },
            ],
            ports: proxyPort,
          },
        ],
      },
    });
    this.ingressPolicy = new kplus.k8s.KubeNetworkPolicy(this, 'IngressPolicy', {
      metadata: { name: 'egress-gateway-ingress', namespace: ns, labels: policyLabels },
      spec: {
        podSelector: { matchLabels: { ...gatewaySelector } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { ...this.clientPodLabels } } }],
            ports: proxyPort,
          },
        ],
      },
    });

    const v4 = EGRESS_GATEWAY_DENIED_DESTINATIONS.filter((c) => !c.includes(':'));
    const v6 = EGRESS_GATEWAY_DENIED_DESTINATIONS.filter((c) => c.includes(':'));
    // The metadata addresses are inside 169.254.0.0/16 and fc00::/7; asserted, not assumed.
    for (const m of INSTANCE_METADATA_CIDRS) {
      const [ip] = parseStrictCidr(m) as [ipaddr.IPv4 | ipaddr.IPv6, number];
      const covered = EGRESS_GATEWAY_DENIED_DESTINATIONS.some((c) => {
        const range = parseStrictCidr(c) as [ipaddr.IPv4 | ipaddr.IPv6, number];
        return range[0].kind() === ip.kind() && ip.match(range);
      });
      if (!covered) throw new Error(`internal: metadata address ${m} is not in the denied list`);
    }
    const tcpPorts = this.ports.map((port) => ({ protocol: 'TCP', port: int(port) }));
    const dnsPort = (protocol: string) => ({ protocol, port: int(53) });
    this.gatewayPolicy = new kplus.k8s.KubeNetworkPolicy(this, 'GatewayPolicy', {
      metadata: { name: EGRESS_GATEWAY_NAME, namespace: ns, labels: policyLabels },
      spec: {
        podSelector: { matchLabels: { ...gatewaySelector } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: dnsNamespace } },
                podSelector: { matchLabels: dnsPodLabels },
              },
            ],
            ports: [dnsPort('UDP'), dnsPort('TCP')],
          },
          {
            // Squid refuses these too (its dst check); the policy is the second line (ADR 0006).
            to: [
              { ipBlock: { cidr: '0.0.0.0/0', except: v4 } },
              { ipBlock: { cidr: '::/0', except: v6 } },
            ],
            ports: tcpPorts,
          },
        ],
      },
    });
    for (const o of [this.resource, this.service]) o.node.addDependency(this.config);
    for (const o of [this.resource, this.clientPolicy]) o.node.addDependency(this.service);
  }

  private checkLabels(field: string, labels: Record<string, string>): void {
    if (Object.keys(labels).length === 0) {
      check(
        this,
        `${field} is empty, which would select every pod of the namespace; name the pods`,
      );
    }
    for (const [k, v] of Object.entries(labels)) {
      check(this, checkLabelKey(`${field} key`, k));
      check(this, checkLabelValue(`${field}['${k}']`, v));
    }
  }

  private checkServiceCidr(): void {
    const parsed = parseStrictCidr(this.serviceCidr);
    const canonical =
      parsed !== undefined &&
      parsed[0].kind() === 'ipv4' &&
      ipaddr.IPv4.networkAddressFromCIDR(this.serviceCidr).toString() === parsed[0].toString();
    if (!canonical || parsed[1] < 12 || parsed[1] > 24) {
      check(
        this,
        `serviceCidr '${this.serviceCidr}' must be the cluster's IPv4 Service CIDR as a network address, /12 to /24 ` +
          `(EKS: 'aws eks describe-cluster --query cluster.kubernetesNetworkConfig.serviceIpv4Cidr'; ` +
          `IPv6 Service CIDRs are not supported yet)`,
      );
    }
  }

  private checkAddress(explicit: boolean): void {
    const ip = parseStrictIp(this.address);
    const [net, bits] = parseStrictCidr(this.serviceCidr) as [ipaddr.IPv4, number];
    const band = staticServiceBand(this.serviceCidr);
    if (!ip || ip.kind() !== 'ipv4' || !ip.match(net, bits)) {
      check(
        this,
        `address '${this.address}' is not an IPv4 address in serviceCidr '${this.serviceCidr}'; ` +
          'the API server refuses a ClusterIP outside its Service CIDR',
      );
    }
    const bytes = (ip as ipaddr.IPv4).toByteArray();
    const base = net.toByteArray();
    const value = (b: number[]) => ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
    const offset = value(bytes) - value(base);
    const size = 2 ** (32 - bits);
    if (offset < band || offset >= size - 1) {
      check(
        this,
        `address '${this.address}' is in the first ${band} addresses of '${this.serviceCidr}' (kept for ` +
          'kube-dns, the API server and other hand-set addresses) or is its last address; choose one above them',
      );
    }
    let taken = ADDRESSES.get(this.node.root);
    if (!taken) ADDRESSES.set(this.node.root, (taken = new Map()));
    const other = taken.get(this.address);
    if (other !== undefined) {
      check(
        this,
        `address '${this.address}'${explicit ? '' : ' (derived from the namespace name)'} is already the ` +
          `egress gateway of ${other}; set address to a free one in '${this.serviceCidr}'`,
      );
    }
    taken.set(this.address, this.node.path);
  }
}
