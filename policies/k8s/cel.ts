/**
 * The CEL environment of the offline checker: the CEL standard library (@bufbuild/cel), the
 * strings extension, and the Kubernetes IP/CIDR library (`ip()`, `cidr()`, `isIP()`, `isCIDR()`,
 * `containsIP()`, `containsCIDR()`), which the API server provides and the rules use.
 *
 * IP and CIDR values are carried as their canonical strings; the methods parse them again. That is
 * enough for the rules (which only call the functions above); the API server's typed values also
 * offer `family()`, `prefixLength()` and others, which rules must not use until added here.
 */
import {
  celEnv,
  celFunc,
  celMethod,
  CelScalar,
  isCelError,
  isCelList,
  isCelMap,
  parse,
  plan,
  CelValue,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import * as ipaddr from 'ipaddr.js';
import { isStrictCidr, isStrictIp } from '../../constructs/shared/network';

function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (!isStrictIp(text)) throw new Error(`IP Address '${text}' parse error`);
  const ip = ipaddr.parse(text);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    throw new Error(`IPv4-mapped IPv6 address '${text}' is not allowed`);
  }
  return ip;
}

function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (!isStrictCidr(text)) throw new Error(`network address '${text}' parse error`);
  return ipaddr.parseCIDR(text);
}

function contains(cidr: string, ip: string): boolean {
  const [net, bits] = parseCidr(cidr);
  const addr = parseIp(ip.includes('/') ? ip.split('/')[0] : ip);
  return addr.kind() === net.kind() && (addr as ipaddr.IPv4).match(net as ipaddr.IPv4, bits);
}

function containsCidr(outer: string, inner: string): boolean {
  const [net, bits] = parseCidr(outer);
  const [innerNet, innerBits] = parseCidr(inner);
  return (
    innerNet.kind() === net.kind() &&
    innerBits >= bits &&
    (innerNet as ipaddr.IPv4).match(net as ipaddr.IPv4, bits)
  );
}

const S = CelScalar.STRING;
const B = CelScalar.BOOL;

/** The Kubernetes IP/CIDR functions, on string representations. */
export const KUBERNETES_NET_FUNCS = [
  celFunc('ip', [S], S, (s) => parseIp(s).toString()),
  celFunc('cidr', [S], S, (s) => {
    parseCidr(s);
    return s;
  }),
  celFunc('isIP', [S], B, (s) => {
    try {
      parseIp(s);
      return true;
    } catch {
      return false;
    }
  }),
  celFunc('isCIDR', [S], B, (s) => isStrictCidr(s)),
  celMethod('containsIP', S, [S], B, function (ip) {
    return contains(this, ip);
  }),
  celMethod('containsCIDR', S, [S], B, function (inner) {
    return containsCidr(this, inner);
  }),
];

// The same RE2 engine the standard `matches` uses, with compiled patterns kept: rules match the
// same few patterns on every object.
const patterns = new Map<string, RE2JS>();
const re2 = {
  compile(pattern: string) {
    let compiled = patterns.get(pattern);
    if (!compiled) {
      compiled = RE2JS.compile(pattern);
      patterns.set(pattern, compiled);
    }
    const re = compiled;
    return { test: (text: string) => re.test(text) };
  },
};

const ENV = celEnv({ funcs: [...strings, ...KUBERNETES_NET_FUNCS], re2 });

/** A compiled expression: call it with the bindings; it returns the value or throws. */
export type Compiled = (bindings: Record<string, unknown>) => unknown;

/** Compiles `expression` once (parse errors throw, naming the expression). */
export function compile(expression: string): Compiled {
  let run: ReturnType<typeof plan>;
  try {
    run = plan(ENV, parse(expression));
  } catch (err) {
    throw new Error(`CEL parse error in '${expression}': ${(err as Error).message}`);
  }
  return (bindings) => {
    // The planner accepts our converted values; its binding types are narrower than needed here.
    const result = (run as (ctx: Record<string, unknown>) => unknown)(bindings);
    if (isCelError(result)) throw new Error(result.message);
    return result;
  };
}

/**
 * Converts JSON to CEL input the way the API server sees it: objects become maps, whole numbers
 * become int (JSON integers are int64 in Kubernetes), other numbers double.
 */
export function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    return new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toCel(v)]));
  }
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return value;
}

/** Converts a CEL result back to plain JS (for messages and tests). */
export function fromCel(value: unknown): unknown {
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value))
    return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v as CelValue)]));
  if (typeof value === 'bigint') return Number(value);
  return value;
}
