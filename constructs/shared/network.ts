/**
 * CIDR arithmetic for egress allowlists (framework-free).
 */
import * as ipaddr from 'ipaddr.js';
import { INSTANCE_METADATA_CIDRS, LINK_LOCAL_CIDRS } from './platform';

type Parsed = { readonly address: ipaddr.IPv4 | ipaddr.IPv6; readonly bits: number };

/**
 * An IP address in the strict textual forms Kubernetes accepts: four decimal octets without
 * leading zeros for IPv4 (ipaddr.js alone also takes `1.2.3` or `0x1.2.3.4`), or IPv6 without a zone.
 */
export function isStrictIp(text: string): boolean {
  if (text.includes(':')) return !text.includes('%') && ipaddr.IPv6.isValid(text);
  return ipaddr.IPv4.isValidFourPartDecimal(text) && !/(^|\.)0\d/.test(text);
}

/** A CIDR whose address part is a strict IP and whose prefix length fits the family. */
export function isStrictCidr(text: string): boolean {
  const slash = text.indexOf('/');
  return (
    slash > 0 &&
    isStrictIp(text.slice(0, slash)) &&
    /^\d{1,3}$/.test(text.slice(slash + 1)) &&
    ipaddr.isValidCIDR(text)
  );
}

function parse(cidr: string): Parsed | undefined {
  if (!isStrictCidr(cidr)) return undefined;
  const [address, bits] = ipaddr.parseCIDR(cidr);
  return { address, bits };
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
  const network = ipaddr.parse(
    parsed.address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()
      : ipaddr.IPv6.networkAddressFromCIDR(cidr).toString(),
  );
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
