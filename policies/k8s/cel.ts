/**
 * The CEL environment of the offline checker: the CEL standard library (@bufbuild/cel), the
 * strings extension, and the Kubernetes IP/CIDR library, which the API server provides and the
 * rules use.
 *
 * IP and CIDR values are carried as the strings the API server's `string()` gives for them; the
 * methods parse them again. Implemented: `ip()`, `cidr()`, `isIP()`, `isCIDR()`, on a CIDR
 * `containsIP()`, `containsCIDR()`, `ip()`, `prefixLength()`, `masked()`, on an IP `family()`,
 * `isUnspecified()`, `isLoopback()`, `isLinkLocalUnicast()`, `isLinkLocalMulticast()`,
 * `isGlobalUnicast()`. Rules must not use others (`ip.isCanonical()`) until added here.
 *
 * The Kubernetes quantity library is complete, with quantities as values of their own type: see
 * KUBERNETES_QUANTITY_FUNCS below.
 */
import {
  celEnv,
  celFunc,
  celList,
  celMap,
  celMethod,
  CelScalar,
  isCelError,
  isCelList,
  isCelMap,
  listType,
  objectType,
  parse,
  plan,
  CelValue,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { create, createFileRegistry, Message } from '@bufbuild/protobuf';
import { isReflectMessage, reflect, ReflectMessage } from '@bufbuild/protobuf/reflect';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { RE2JS } from '@bufbuild/re2';
import * as ipaddr from 'ipaddr.js';
import {
  isIpv4Mapped,
  networkAddress,
  parseStrictCidr,
  parseStrictIp,
} from '../../constructs/shared/network';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/** An IP as the API server's `ip()` parses it (net/netip: no zone, no IPv4-mapped IPv6). */
function parseIp(text: string): Addr {
  const ip = parseStrictIp(text);
  if (!ip) throw new Error(`IP Address '${text}' parse error`);
  if (isIpv4Mapped(ip)) throw new Error(`IPv4-mapped IPv6 address '${text}' is not allowed`);
  return ip;
}

/** A CIDR as the API server's `cidr()` parses it: host bits allowed, IPv4-mapped IPv6 refused. */
function parseCidr(text: string): [Addr, number] {
  const cidr = parseStrictCidr(text);
  if (!cidr) throw new Error(`network address '${text}' parse error`);
  if (isIpv4Mapped(cidr[0])) throw new Error(`IPv4-mapped IPv6 address '${text}' is not allowed`);
  return cidr;
}

/** The text net/netip prints: dotted decimal, or RFC 5952 IPv6 (lower case, longest zero run as ::). */
function ipText(ip: Addr): string {
  return ip.toString();
}

function contains(cidr: string, ip: string): boolean {
  const [net, bits] = parseCidr(cidr);
  const addr = parseIp(ip);
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

/** The address classes of net/netip (`IsLoopback()`, `IsLinkLocalUnicast()`…), on bytes. */
const CLASSES = {
  isUnspecified: (b: number[]) => b.every((x) => x === 0),
  isLoopback: (b: number[]) =>
    b.length === 4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1,
  isLinkLocalUnicast: (b: number[]) =>
    b.length === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80,
  isLinkLocalMulticast: (b: number[]) =>
    b.length === 4
      ? b[0] === 224 && b[1] === 0 && b[2] === 0
      : b[0] === 0xff && (b[1] & 0x0f) === 2,
  isGlobalUnicast: (b: number[]) =>
    !CLASSES.isUnspecified(b) &&
    !(b.length === 4 && b.every((x) => x === 255)) &&
    !CLASSES.isLoopback(b) &&
    !(b.length === 4 ? (b[0] & 0xf0) === 0xe0 : b[0] === 0xff) &&
    !CLASSES.isLinkLocalUnicast(b),
};

const S = CelScalar.STRING;
const B = CelScalar.BOOL;
const I = CelScalar.INT;

/**
 * The Kubernetes IP/CIDR library (k8s.io/apiserver/pkg/cel/library/ip.go, cidr.go) on string
 * representations: `ip()` and `cidr()` return the text the API server's `string()` gives, so
 * `string(cidr(x).masked()) == x` says "x is canonical" in both places.
 */
export const KUBERNETES_NET_FUNCS = [
  celFunc('ip', [S], S, (s) => ipText(parseIp(s))),
  celFunc('cidr', [S], S, (s) => {
    const [addr, bits] = parseCidr(s);
    return `${ipText(addr)}/${bits}`;
  }),
  // Without exceptions: rules call isIP() on every image's registry host.
  celFunc('isIP', [S], B, (s) => {
    const ip = parseStrictIp(s);
    return ip !== undefined && !isIpv4Mapped(ip);
  }),
  celFunc('isCIDR', [S], B, (s) => {
    const cidr = parseStrictCidr(s);
    return cidr !== undefined && !isIpv4Mapped(cidr[0]);
  }),
  // On a CIDR.
  celMethod('containsIP', S, [S], B, function (ip) {
    return contains(this, ip);
  }),
  celMethod('containsCIDR', S, [S], B, function (inner) {
    return containsCidr(this, inner);
  }),
  celMethod('ip', S, [], S, function () {
    return ipText(parseCidr(this)[0]);
  }),
  celMethod('prefixLength', S, [], I, function () {
    return BigInt(parseCidr(this)[1]);
  }),
  celMethod('masked', S, [], S, function () {
    const [addr, bits] = parseCidr(this);
    return `${ipText(networkAddress(addr, bits))}/${bits}`;
  }),
  // On an IP.
  celMethod('family', S, [], I, function () {
    return parseIp(this).kind() === 'ipv4' ? 4n : 6n;
  }),
  ...Object.entries(CLASSES).map(([name, test]) =>
    celMethod(name, S, [], B, function () {
      return test(parseIp(this).toByteArray());
    }),
  ),
];

// ------------------------------------------------------------------------------------------------
// The Kubernetes quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go): `quantity()`,
// `isQuantity()`, `sign()` (a function, not a method, as in the API server), and on a quantity
// `isInteger()`, `asInteger()`, `asApproximateFloat()`, `add()`, `sub()`, `isGreaterThan()`,
// `isLessThan()`, `compareTo()`.
//
// A quantity is a value of its own type, `kubernetes.Quantity` as in the API server (a protobuf
// message built here, so @bufbuild/cel dispatches methods on it and `type()` names it): it cannot
// be mistaken for a string or a map. Its only field (`value`, the exact amount as text) serves
// equality inside lists and maps; rules must not read it (the API server has no such field).
//
// Values are exact, as resource.Quantity (k8s.io/apimachinery/pkg/api/resource) holds them:
// either an int64 `value × 10^scale` (its fast path) or an arbitrary-precision
// `unscaled × 10^-scale` (inf.Dec). Which of the two a quantity uses shows in results, so it is
// mirrored: `isInteger()` is false for any inf.Dec (`quantity('1Pi')`, `quantity('2.5Ki')`) and
// for a negative scale (`quantity('1000m')`); `asApproximateFloat()` multiplies as Go does. So are
// the API server's quirks, which the tests pin: comparing against an inf.Dec turns the receiver
// into one; `add()`/`sub()` on an inf.Dec change it in place (the copy shares it); their results
// are pointers there, so `quantity('2') == q.add(1)` is an error and `!=` is true.
// ------------------------------------------------------------------------------------------------

interface Int64Amount {
  readonly value: bigint;
  readonly scale: number;
}
/** An inf.Dec: `unscaled × 10^-scale`. Shared and changed in place, as Go's *inf.Dec. */
interface InfDec {
  unscaled: bigint;
  scale: number;
}
interface QuantityState {
  /** The int64 amount, when `d` is unset. */
  i: Int64Amount;
  d: InfDec | undefined;
  /** Made by `add()`/`sub()`: a *Quantity in the API server, which changes how `==` treats it. */
  readonly pointer: boolean;
}

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const inInt64 = (v: bigint) => v >= I64_MIN && v <= I64_MAX;
const int32 = (n: number) => n | 0;
const ZERO: Int64Amount = { value: 0n, scale: 0 };

// An exact result needing more digits than this is refused instead of computed (the API server
// would take minutes on it too): `quantity('1e2147483647').add(1)`.
const MAX_DIGITS = 10_000;
class QuantityRangeError extends Error {}
function pow10(n: number): bigint {
  if (n > MAX_DIGITS)
    throw new QuantityRangeError(
      `quantity arithmetic needs 10^${n}, beyond what the offline checker evaluates`,
    );
  return 10n ** BigInt(n);
}
const digitCount = (v: bigint) => (v < 0n ? -v : v).toString().length;
const signOf = (v: bigint) => (v > 0n ? 1 : v < 0n ? -1 : 0);

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const ERR_FORMAT = `quantities must match the regular expression '${SPLIT_RE}'`;
const ERR_NUMERIC = 'unable to parse numeric part of quantity';
const ERR_SUFFIX = "unable to parse quantity's suffix";
const isDigit = (c: string) => c >= '0' && c <= '9';

/** strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return inInt64(v) ? v : undefined;
}

/** parseQuantityString of quantity.go, step by step (its quirks included: `.`, `+`, `1.G` parse). */
function scanQuantity(str: string) {
  let positive = true;
  let pos = 0;
  const end = str.length;
  let num: string;
  let denom = '';
  let value: string;
  const done = (suffix = '') => ({ positive, value, num, denom, suffix });
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) {
    num = '0';
    value = num;
    return done();
  }
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  num = str.slice(pos, i);
  if (i >= end) {
    value = str;
    return done();
  }
  pos = i;
  if (num === '') num = '0';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) {
      value = str;
      return done();
    }
    pos = i;
  }
  value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new Error(ERR_FORMAT);
  return done(str.slice(suffixStart));
}

const DECIMAL_SI: Record<string, number> = {
  '': 0,
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SI: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function interpretSuffix(s: string): {
  base: 2 | 10;
  exponent: number;
  format: 'DecimalSI' | 'BinarySI' | 'DecimalExponent';
} {
  if (Object.hasOwn(DECIMAL_SI, s))
    return { base: 10, exponent: DECIMAL_SI[s], format: 'DecimalSI' };
  if (Object.hasOwn(BINARY_SI, s)) return { base: 2, exponent: BINARY_SI[s], format: 'BinarySI' };
  const exponent =
    s.length > 1 && (s[0] === 'e' || s[0] === 'E') ? parseInt64(s.slice(1)) : undefined;
  if (exponent === undefined) throw new Error(ERR_SUFFIX);
  return { base: 10, exponent: Number(BigInt.asIntN(32, exponent)), format: 'DecimalExponent' };
}

/** inf.Dec SetString: a sign, digits with at most one point, at least one digit. */
function parseDec(text: string): InfDec | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(text);
  if (!m || m[2].length + (m[3] ?? '').length === 0) return undefined;
  const magnitude = BigInt(m[2] + (m[3] ?? ''));
  return { unscaled: m[1] === '-' ? -magnitude : magnitude, scale: (m[3] ?? '').length };
}

const toDec = (a: Int64Amount): InfDec => ({ unscaled: a.value, scale: int32(-a.scale) });

/** Exact comparison of two decimals, without expanding far-apart exponents. */
function compareDec(a: InfDec, b: InfDec): number {
  const sa = signOf(a.unscaled);
  const sb = signOf(b.unscaled);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const ma = digitCount(a.unscaled) - a.scale;
  const mb = digitCount(b.unscaled) - b.scale;
  if (ma !== mb) return ma > mb ? sa : -sa;
  const [ua, ub] = aligned(a, b);
  return signOf(ua - ub);
}

/** Both unscaled values at the larger scale (inf's upscale). */
function aligned(a: InfDec, b: InfDec): [bigint, bigint, number] {
  if (a.scale >= b.scale) return [a.unscaled, b.unscaled * pow10(a.scale - b.scale), a.scale];
  return [a.unscaled * pow10(b.scale - a.scale), b.unscaled, b.scale];
}

/** inf.Dec Round(x, 9, RoundUp) of a non-negative x: nanos, rounded away from zero. */
function roundUpToNanos(x: InfDec): InfDec {
  if (x.scale <= 9) return { unscaled: x.unscaled * pow10(9 - x.scale), scale: 9 };
  const shift = x.scale - 9;
  if (shift > digitCount(x.unscaled)) return { unscaled: x.unscaled === 0n ? 0n : 1n, scale: 9 };
  const p = 10n ** BigInt(shift);
  return { unscaled: x.unscaled / p + (x.unscaled % p === 0n ? 0n : 1n), scale: 9 };
}

/** resource.ParseQuantity. */
function parseQuantity(str: string): QuantityState {
  const int = (value: bigint, scale: number): QuantityState => ({
    i: { value, scale },
    d: undefined,
    pointer: false,
  });
  if (str.length === 0) throw new Error(ERR_FORMAT);
  if (str === '0') return int(0n, 0);
  const { positive, value, num, denom, suffix } = scanQuantity(str);
  const { base, exponent, format } = interpretSuffix(suffix);

  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format !== 'BinarySI') {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  } else if (exponent >= 0 && denom.length === 0) {
    mantissa = 1n << BigInt(exponent);
    precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else precision = -1;

  // The int64 fast path.
  if (precision >= 0) {
    scale = int32(scale - denom.length);
    if (scale >= -9) {
      const shifted = parseInt64(num + denom);
      if (shifted === undefined) throw new Error(ERR_NUMERIC);
      const result = shifted * mantissa;
      if (inInt64(result)) return int(positive ? result : -result, scale);
    }
  }

  // The inf.Dec path.
  let amount = parseDec(value);
  if (!amount) throw new Error(ERR_NUMERIC);
  if (base === 10) amount.scale = int32(amount.scale + int32(-exponent));
  else amount.unscaled *= 1n << BigInt(exponent);
  const negative = amount.unscaled < 0n;
  if (negative) amount.unscaled = -amount.unscaled;
  // Non-zero amounts are rounded up to the nano (so 0.1n is 1n), to scale 9.
  if (amount.unscaled !== 0n) amount = roundUpToNanos(amount);
  // Binary amounts are capped at the largest int64.
  if (format === 'BinarySI' && compareDec(amount, { unscaled: I64_MAX, scale: 0 }) > 0)
    amount = { unscaled: I64_MAX, scale: 0 };
  if (negative) amount.unscaled = -amount.unscaled;
  return { i: ZERO, d: amount, pointer: false };
}

/** positiveScaleInt64: base × 10^scale if it fits an int64. */
function scaleUpInt64(base: bigint, scale: number): bigint | undefined {
  if (base === 0n || scale === 0) return base;
  if (scale > 19) return undefined;
  const v = base * 10n ** BigInt(scale);
  return inInt64(v) ? v : undefined;
}

/** int64Amount.Add: the sum, or undefined on overflow (then Go falls back to inf.Dec). */
function addInt64(a: Int64Amount, b: Int64Amount): Int64Amount | undefined {
  if (b.value === 0n) return a;
  if (a.value === 0n) return b;
  const sum = (x: bigint | undefined, y: bigint, scale: number) =>
    x !== undefined && inInt64(x + y) ? { value: x + y, scale } : undefined;
  if (a.scale === b.scale) return sum(a.value, b.value, a.scale);
  if (a.scale > b.scale) return sum(scaleUpInt64(a.value, a.scale - b.scale), b.value, b.scale);
  return sum(scaleUpInt64(b.value, b.scale - a.scale), a.value, a.scale);
}

/** Quantity.AsDec on the receiver: turns it into an inf.Dec (value unchanged). */
function asDecInPlace(q: QuantityState): InfDec {
  if (!q.d) {
    q.d = toDec(q.i);
    q.i = ZERO;
  }
  return q.d;
}

/** The exact order of two quantities (Quantity.Cmp, on copies: nothing changes). */
function compareQuantities(q: QuantityState, y: QuantityState): number {
  return compareDec(q.d ?? toDec(q.i), y.d ?? toDec(y.i));
}

/** Quantity.Cmp as the library calls it (`q.Cmp(*q2)`): the receiver turns inf.Dec if either is. */
function cmpQuantity(q: QuantityState, y: QuantityState): number {
  if (q.d || y.d) asDecInPlace(q);
  return compareQuantities(q, y);
}

/** `copy := *q; copy.Add(y)` (or Sub): the copy shares q's inf.Dec, which Go changes in place. */
function addQuantity(q: QuantityState, y: QuantityState, negate: boolean): QuantityState {
  const copy: QuantityState = { i: q.i, d: q.d, pointer: true };
  if (!copy.d && !y.d) {
    const sum = addInt64(
      copy.i,
      negate ? { value: BigInt.asIntN(64, -y.i.value), scale: y.i.scale } : y.i,
    );
    if (sum) {
      copy.i = sum;
      return copy;
    }
  }
  const target = asDecInPlace(copy);
  const [u, v, scale] = aligned(target, y.d ?? toDec(y.i));
  target.unscaled = negate ? u - v : u + v;
  target.scale = scale;
  return copy;
}

/** Quantity.AsInt64: only an int64 amount with a scale ≥ 0 whose value fits. */
function asInt64(q: QuantityState): bigint | undefined {
  if (q.d || q.i.scale < 0) return undefined;
  return scaleUpInt64(q.i.value, q.i.scale);
}

// math.Pow10, table for table, so products round as in Go.
const POW10 = Array.from({ length: 32 }, (_, i) => Number(`1e${i}`));
const POW10_POS32 = Array.from({ length: 10 }, (_, i) => Number(`1e${i * 32}`));
const POW10_NEG32 = Array.from({ length: 11 }, (_, i) => Number(`1e-${i * 32}`));
function goPow10(n: number): number {
  if (n >= 0 && n <= 308) return POW10_POS32[n >>> 5] * POW10[n % 32];
  if (n < 0 && n >= -323) return POW10_NEG32[-n >>> 5] / POW10[-n % 32];
  return n > 0 ? Infinity : 0;
}

/** Quantity.AsApproximateFloat64. */
function approximateFloat(q: QuantityState): number {
  const [base, exponent] = q.d
    ? [Number(q.d.unscaled), -q.d.scale]
    : [Number(q.i.value), q.i.scale];
  return exponent === 0 ? base : base * goPow10(exponent);
}

/** The exact amount as text (`1.5`, `-1536`, `1e100`): one text per value. */
function exactText(q: QuantityState): string {
  let { unscaled, scale } = q.d ?? toDec(q.i);
  if (unscaled === 0n) return '0';
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  if (scale <= 0 && scale >= -30) return sign + digits + '0'.repeat(-scale);
  if (scale > 0 && scale <= 30) {
    const padded = digits.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  return `${sign}${digits}e${-scale}`;
}

const QUANTITY_MESSAGE = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'eval-sandbox/kubernetes/quantity.proto',
    package: 'kubernetes',
    syntax: 'proto3',
    messageType: [
      {
        name: 'Quantity',
        field: [
          {
            name: 'value',
            jsonName: 'value',
            number: 1,
            type: FieldDescriptorProto_Type.STRING,
            label: FieldDescriptorProto_Label.OPTIONAL,
          },
        ],
      },
    ],
  }),
  () => undefined,
).getMessage('kubernetes.Quantity');
if (!QUANTITY_MESSAGE) throw new Error('kubernetes.Quantity descriptor missing');
const QUANTITY_DESC = QUANTITY_MESSAGE;

/**
 * The message behind a quantity value: its state, and `value` read at comparison time (add()/sub()
 * may have changed a shared inf.Dec since). A class, so making one is cheap: quantities are made
 * several times per container on every object.
 */
class QuantityMessage {
  public readonly $typeName = 'kubernetes.Quantity';
  constructor(public readonly state: QuantityState) {}
  public get value(): string {
    return exactText(this.state);
  }
}

function quantityValue(state: QuantityState): ReflectMessage {
  // The message is built here with the descriptor's one field, so the check can be skipped.
  return reflect(QUANTITY_DESC, new QuantityMessage(state) as unknown as Message, false);
}

function stateOf(value: unknown): QuantityState | undefined {
  if (typeof value !== 'object' || value === null || !isReflectMessage(value, QUANTITY_DESC))
    return undefined;
  const message: unknown = value.message;
  return message instanceof QuantityMessage ? message.state : undefined;
}
function quantityState(value: unknown): QuantityState {
  const state = stateOf(value);
  if (!state) throw new Error('no such overload');
  return state;
}

/** The exact amount of a quantity value as text, or undefined for other values. */
export function quantityText(value: unknown): string | undefined {
  const state = stateOf(value);
  return state && exactText(state);
}

// Equality as cel-go computes it for the API server's Quantity: `==` calls Quantity.Equal, which
// accepts only a Quantity value on the right (a *Quantity from add()/sub() is "no such overload");
// `!=` is true unless `==` is true; `in` uses the needle's Equal. Other values: the standard ones.
const STANDARD = celEnv().funcs;
function standard(name: string, args: CelValue[]): boolean {
  const result = STANDARD.find(name)?.call(0, undefined, args);
  if (typeof result !== 'boolean') throw new Error(`no such overload: ${name}`);
  return result;
}
function quantityEquals(l: CelValue, r: CelValue): boolean | undefined {
  const lq = stateOf(l);
  if (!lq || r === null) return undefined;
  const rq = stateOf(r);
  if (!rq || rq.pointer) throw new Error('no such overload');
  return compareQuantities(lq, rq) === 0;
}

const Q = objectType(QUANTITY_DESC);
const STR = CelScalar.STRING;
const INT = CelScalar.INT;
const D = CelScalar.DYN;
const BOOL = CelScalar.BOOL;
const LIST = listType(CelScalar.DYN);

/** The Kubernetes quantity library, and equality that knows quantities. */
export const KUBERNETES_QUANTITY_FUNCS = [
  celFunc('quantity', [STR], Q, (s) => quantityValue(parseQuantity(s))),
  celFunc('isQuantity', [STR], BOOL, (s) => {
    try {
      parseQuantity(s);
      return true;
    } catch (err) {
      if (err instanceof QuantityRangeError) throw err;
      return false;
    }
  }),
  celFunc('sign', [Q], INT, (q) => {
    const state = quantityState(q);
    return BigInt(signOf(state.d ? state.d.unscaled : state.i.value));
  }),
  celMethod('isGreaterThan', Q, [Q], BOOL, function (y) {
    return cmpQuantity(quantityState(this), quantityState(y)) === 1;
  }),
  celMethod('isLessThan', Q, [Q], BOOL, function (y) {
    return cmpQuantity(quantityState(this), quantityState(y)) === -1;
  }),
  celMethod('compareTo', Q, [Q], INT, function (y) {
    return BigInt(cmpQuantity(quantityState(this), quantityState(y)));
  }),
  celMethod('asApproximateFloat', Q, [], CelScalar.DOUBLE, function () {
    return approximateFloat(quantityState(this));
  }),
  celMethod('isInteger', Q, [], BOOL, function () {
    return asInt64(quantityState(this)) !== undefined;
  }),
  celMethod('asInteger', Q, [], INT, function () {
    const v = asInt64(quantityState(this));
    if (v === undefined) throw new Error('cannot convert value to integer');
    return v;
  }),
  ...(['add', 'sub'] as const).flatMap((name) => [
    celMethod(name, Q, [Q], Q, function (y) {
      return quantityValue(addQuantity(quantityState(this), quantityState(y), name === 'sub'));
    }),
    celMethod(name, Q, [INT], Q, function (n) {
      const y: QuantityState = { i: { value: n, scale: 0 }, d: undefined, pointer: false };
      return quantityValue(addQuantity(quantityState(this), y, name === 'sub'));
    }),
  ]),
  celFunc('_==_', [D, D], BOOL, (l, r) => quantityEquals(l, r) ?? standard('_==_', [l, r])),
  celFunc('_!=_', [D, D], BOOL, (l, r) => {
    const lq = stateOf(l);
    if (!lq || r === null) return !standard('_==_', [l, r]);
    const rq = stateOf(r);
    return !rq || rq.pointer || compareQuantities(lq, rq) !== 0;
  }),
  celFunc('@in', [D, LIST], BOOL, (needle, list) => {
    const nq = stateOf(needle);
    if (!nq) return standard('@in', [needle, list]);
    return [...list].some((v) => {
      const vq = stateOf(v);
      return vq !== undefined && !vq.pointer && compareQuantities(nq, vq) === 0;
    });
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

const ENV = celEnv({
  funcs: [...strings, ...KUBERNETES_NET_FUNCS, ...KUBERNETES_QUANTITY_FUNCS],
  re2,
});

/** A compiled expression: call it with the bindings; it returns the value or throws. */
export type Compiled = (bindings: Record<string, unknown>) => unknown;

// Plans by expression text: policies repeat the same variables and checks, and the parser is the
// larger part of building an evaluator. A plan holds no state between calls, so sharing is safe.
const plans = new Map<string, ReturnType<typeof plan>>();

/** Compiles `expression` once (parse errors throw, naming the expression). */
export function compile(expression: string): Compiled {
  let run = plans.get(expression);
  if (!run) {
    try {
      run = plan(ENV, parse(expression));
    } catch (err) {
      throw new Error(`CEL parse error in '${expression}': ${(err as Error).message}`);
    }
    plans.set(expression, run);
  }
  const planned = run;
  return (bindings) => {
    // The planner accepts our converted values; its binding types are narrower than needed here.
    const result = (planned as (ctx: Record<string, unknown>) => unknown)(bindings);
    if (isCelError(result)) throw new Error(result.message);
    return result;
  };
}

/**
 * Converts JSON to CEL input the way the API server sees it: objects become maps, whole numbers
 * become int (JSON integers are int64 in Kubernetes), other numbers double.
 */
export function toCel(value: unknown): unknown {
  // Wrapped once here: the planner wraps native lists and maps again on every access otherwise.
  if (Array.isArray(value)) return celList(value.map(toCel) as CelValue[]);
  if (value !== null && typeof value === 'object') {
    const map = new Map<string, CelValue>();
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      map.set(k, toCel(v) as CelValue);
    return celMap(map);
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
  return quantityText(value) ?? value;
}
