/**
 * CIDR arithmetic for egress allowlists (framework-free).
 */
import * as ipaddr from 'ipaddr.js';
import { INSTANCE_METADATA_CIDRS, LINK_LOCAL_CIDRS } from './platform';

/** A parsed IPv4 or IPv6 address (ipaddr.js). */
export type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Parsed = { readonly address: Address; readonly bits: number };

const DECIMAL = '(0|[1-9][0-9]{0,2})';
const IPV4 = new RegExp(`^${DECIMAL}(\\.${DECIMAL}){3}$`);

function strictIpv4(text: string): ipaddr.IPv4 | undefined {
  if (!IPV4.test(text)) return undefined;
  const octets = text.split('.').map(Number);
  return octets.every((o) => o <= 255) ? new ipaddr.IPv4(octets) : undefined;
}

/**
 * Parses an IP address in the strict textual forms net/netip's ParseAddr accepts (the API server's
 * CEL `ip()` and Kubernetes' strict validation): four decimal octets without leading zeros for IPv4
 * (ipaddr.js alone also takes `1.2.3` or `0x1.2.3.4`); IPv6 without a zone, where a trailing dotted
 * IPv4 stands for the last two groups (ipaddr.js alone reads `::1.2.3.4` as `::ffff:1.2.3.4`).
 */
export function parseStrictIp(text: string): Address | undefined {
  if (!text.includes(':')) return strictIpv4(text);
  let v6 = text;
  const last = text.lastIndexOf(':');
  if (text.slice(last + 1).includes('.')) {
    const v4 = strictIpv4(text.slice(last + 1));
    if (!v4) return undefined;
    const [a, b, c, d] = v4.octets;
    v6 = `${text.slice(0, last + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  if (!/^[0-9a-fA-F:]+$/.test(v6) || !ipaddr.IPv6.isValid(v6)) return undefined;
  return ipaddr.IPv6.parse(v6);
}

/** An IP address in the strict textual forms Kubernetes accepts (see {@link parseStrictIp}). */
export function isStrictIp(text: string): boolean {
  return parseStrictIp(text) !== undefined;
}

/**
 * Parses a CIDR as net/netip's ParsePrefix does (the API server's CEL `cidr()`): a strict IP, then a
 * prefix length in decimal without leading zeros that fits the family. Host bits may be set.
 */
export function parseStrictCidr(text: string): [Address, number] | undefined {
  const slash = text.indexOf('/');
  if (slash <= 0 || !new RegExp(`^${DECIMAL}$`).test(text.slice(slash + 1))) return undefined;
  const address = parseStrictIp(text.slice(0, slash));
  const bits = Number(text.slice(slash + 1));
  if (!address || bits > (address.kind() === 'ipv4' ? 32 : 128)) return undefined;
  return [address, bits];
}

/** A CIDR whose address part is a strict IP and whose prefix length fits the family. */
export function isStrictCidr(text: string): boolean {
  return parseStrictCidr(text) !== undefined;
}

/** `address` with every bit after the first `bits` cleared: the network address. */
export function networkAddress(address: Address, bits: number): Address {
  const keep = (i: number) => Math.max(0, Math.min(8, bits - i * 8));
  return ipaddr.fromByteArray(
    address.toByteArray().map((b, i) => b & ((0xff << (8 - keep(i))) & 0xff)),
  );
}

/** An IPv6 address in ::ffff:0:0/96, which the API server's CEL refuses in `ip()` and `cidr()`. */
export function isIpv4Mapped(address: Address): boolean {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress();
}

function parse(cidr: string): Parsed | undefined {
  const parsed = parseStrictCidr(cidr);
  return parsed && { address: parsed[0], bits: parsed[1] };
}

/** `inner` lies entirely inside `outer` (same family, longer or equal prefix, same network bits). */
function within(inner: Parsed, outer: Parsed): boolean {
  if (inner.address.kind() !== outer.address.kind() || inner.bits < outer.bits) return false;
  // The kinds match, so the cast only narrows the overloads for the compiler.
  return (inner.address as ipaddr.IPv4).match(outer.address as ipaddr.IPv4, outer.bits);
}

function format(p: Parsed): string {
  return `${p.address.toString()}/${p.bits}`;
}

/** The result of checking one egress CIDR. */
export interface EgressCidrPlan {
  /** The CIDR in canonical text form, as it will be emitted. */
  readonly cidr: string;
  /** The forbidden ranges inside `cidr`, to emit as `ipBlock.except`. */
  readonly except: string[];
  /** Set when the CIDR cannot be allowed; says why and how to fix it. */
  readonly problem?: string;
}

const FORBIDDEN = [...INSTANCE_METADATA_CIDRS, ...LINK_LOCAL_CIDRS].map((c) => ({
  text: c,
  parsed: parse(c) as Parsed,
}));

/**
 * Checks a CIDR a sandbox wants to reach and works out the `except` entries that keep the
 * instance-metadata and link-local ranges out of it.
 *
 * - not a CIDR, or host bits set: a problem (the fix names the network address);
 * - inside a link-local or metadata range: a problem (never silently narrowed);
 * - containing such a range: that range becomes an `except` entry.
 */
export function planEgressCidr(field: string, cidr: string): EgressCidrPlan {
  const parsed = parse(cidr);
  if (!parsed) {
    return {
      cidr,
      except: [],
      problem: `${field} '${cidr}' is not a CIDR; use 'a.b.c.d/n' or an IPv6 'prefix/n'`,
    };
  }
  if (isIpv4Mapped(parsed.address)) {
    const v4 = (parsed.address as ipaddr.IPv6).toIPv4Address().toString();
    const hint = parsed.bits >= 96 ? ` ('${v4}/${parsed.bits - 96}')` : '';
    return {
      cidr,
      except: [],
      problem:
        `${field} '${cidr}' is an IPv4-mapped IPv6 range, which Kubernetes CEL refuses and network ` +
        `plugins read differently; write it as an IPv4 range${hint}`,
    };
  }
  const network = networkAddress(parsed.address, parsed.bits);
  const canonical: Parsed = { address: network, bits: parsed.bits };
  if (network.toNormalizedString() !== parsed.address.toNormalizedString()) {
    return {
      cidr,
      except: [],
      problem: `${field} '${cidr}' has host bits set; use the network address '${format(canonical)}'`,
    };
  }
  const except: string[] = [];
  for (const f of FORBIDDEN) {
    if (within(canonical, f.parsed)) {
      return {
        cidr,
        except: [],
        problem:
          `${field} '${cidr}' lies inside the link-local or instance-metadata range '${f.text}', ` +
          `which sandboxes may never reach; remove it from the allowlist`,
      };
    }
    if (within(f.parsed, canonical) && !except.some((e) => within(f.parsed, parse(e) as Parsed))) {
      except.push(f.text);
    }
  }
  // A broader forbidden range already excepted makes narrower ones redundant.
  const minimal = except.filter(
    (e) => !except.some((o) => o !== e && within(parse(e) as Parsed, parse(o) as Parsed)),
  );
  return { cidr: format(canonical), except: minimal };
}
