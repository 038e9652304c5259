import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Address, parseStrictCidr, planEgressCidr } from '../shared/network';
import { NON_INTERNET_CIDRS } from '../../policies/k8s/r19-internet-egress-gateway-only/rule';
import { checkDnsLabel, checkInteger } from '../shared/validation';
import { check, standardLabels } from './internal';

/** Transport protocols an egress allowlist entry may open. */
export enum EgressProtocol {
  /** TCP. */
  TCP = 'TCP',
  /** UDP. */
  UDP = 'UDP',
}

/**
 * One egress allowlist entry: a destination range and the ports on it.
 */
export interface EgressRule {
  /**
   * Destination range, IPv4 or IPv6, as a network address (`10.20.0.0/16`, `fd12:3456::/32`),
   * inside a private, CGNAT or unique-local range: public ranges are the internet, which only the
   * sandbox's egress gateway reaches (by name; admission rule SBX-R19). Link-local and
   * instance-metadata ranges are refused; a broader range that contains them gets them as `except`
   * entries automatically.
   */
  readonly cidr: string;

  /**
   * Destination ports (1–65535). Required unless `allowAllPorts` is set.
   *
   * @default - none; set `ports` or `allowAllPorts`
   */
  readonly ports?: number[];

  /**
   * Protocol of `ports`.
   *
   * @default EgressProtocol.TCP
   */
  readonly protocol?: EgressProtocol;

  /**
   * Open every port and protocol on `cidr`. Costs the port-level allowlist: anything listening on
   * the range becomes reachable from the sandbox.
   *
   * @default false
   */
  readonly allowAllPorts?: boolean;
}

/**
 * Properties for {@link EgressPolicy}.
 */
export interface EgressPolicyProps extends EgressRule {
  /** The sandbox namespace the policy lives in; it selects every pod there. */
  readonly namespace: string;

  /**
   * Name of the NetworkPolicy.
   *
   * @default - `allow-egress-` followed by the construct id in lowercase
   */
  readonly name?: string;
}

/** `cidr` (canonical) lies inside a range that is not the internet (SBX-R19's list). */
function isNonInternet(cidr: string): boolean {
  const [ip, bits] = parseStrictCidr(cidr) as [Address, number];
  return NON_INTERNET_CIDRS.some((c) => {
    const [net, netBits] = parseStrictCidr(c) as [Address, number];
    return net.kind() === ip.kind() && netBits <= bits && ip.match(net, netBits);
  });
}

/**
 * A NetworkPolicy that opens egress from every pod of a sandbox namespace to one CIDR and port set,
 * on top of the namespace's default deny. The instance-metadata addresses (169.254.169.254,
 * 169.254.170.23, fd00:ec2::254, fd00:ec2::23) and link-local ranges always stay closed.
 */
export class EgressPolicy extends Construct {
  /** The destination range as emitted (canonical form). */
  public readonly cidr: string;
  /** Ranges carved out of `cidr` so the metadata endpoints stay unreachable. */
  public readonly except: string[];
  /** The opened ports; empty when every port is open. */
  public readonly ports: number[];
  /** The protocol of `ports`. */
  public readonly protocol: EgressProtocol;
  /** The NetworkPolicy name. */
  public readonly name: string;
  /** The underlying NetworkPolicy (escape hatch). */
  public readonly resource: kplus.k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: EgressPolicyProps) {
    super(scope, id);
    this.name = props.name ?? `allow-egress-${id.toLowerCase()}`;
    check(this, checkDnsLabel('name', this.name));

    const plan = planEgressCidr('cidr', props.cidr);
    check(this, plan.problem);
    this.cidr = plan.cidr;
    if (!isNonInternet(this.cidr)) {
      check(
        this,
        `cidr '${props.cidr}' reaches the internet, which only a sandbox's egress gateway may (admission rule ` +
          `SBX-R19): list the names in egressDomains instead, or narrow the range to a private, CGNAT or ` +
          'unique-local one (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7)',
      );
    }
    this.except = plan.except;
    this.protocol = props.protocol ?? EgressProtocol.TCP;

    const allowAllPorts = props.allowAllPorts ?? false;
    this.ports = [...(props.ports ?? [])];
    if (allowAllPorts && this.ports.length > 0) {
      check(this, `set either ports or allowAllPorts for '${props.cidr}', not both`);
    }
    if (!allowAllPorts && this.ports.length === 0) {
      check(
        this,
        `ports is empty for '${props.cidr}'; list the destination ports (for example [443]) ` +
          `or set allowAllPorts: true to open every port`,
      );
    }
    this.ports.forEach((port, i) => check(this, checkInteger(`ports[${i}]`, port, 1, 65535)));

    this.resource = new kplus.k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: props.namespace,
        labels: standardLabels('network-policy'),
      },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                ipBlock: {
                  cidr: this.cidr,
                  ...(this.except.length > 0 ? { except: this.except } : {}),
                },
              },
            ],
            ...(allowAllPorts
              ? {}
              : {
                  ports: this.ports.map((port) => ({
                    protocol: this.protocol,
                    port: kplus.k8s.IntOrString.fromNumber(port),
                  })),
                }),
          },
        ],
      },
    });
  }
}
