/**
 * Checks of the AWS constructs' props, at the standard of the Kubernetes constructs: each returns
 * the problem (what is wrong, the value, the fix) or `undefined`, and {@link check} throws it as a
 * {@link ValidationError} carrying the construct path. Values that are Terraform references
 * (unresolved tokens) are not judged here: Terraform and AWS judge them at plan time.
 */
import { Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { ValidationError } from '../shared/errors';
import { networkAddress, parseStrictCidr } from '../shared/network';

/** Throws a {@link ValidationError} carrying the construct path when `problem` is set. */
export function check(scope: IConstruct, problem: string | undefined): void {
  if (problem !== undefined) throw new ValidationError(scope.node.path, problem);
}

const unresolved = (value: unknown): boolean => Token.isUnresolved(value);

/** The retention periods CloudWatch Logs accepts, in days. */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** A name our resource names are derived from: lowercase letters, digits and '-', 1–40 characters. */
export function checkName(field: string, value: string): string | undefined {
  if (unresolved(value) || /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(value)) return undefined;
  return (
    `${field} '${value}' is not a valid name; use 1 to 40 lowercase letters, digits and '-', ` +
    `starting with a letter and ending with a letter or digit (resource names are derived from it)`
  );
}

/** An AWS region name (`eu-west-2`, `us-gov-west-1`). */
export function checkRegion(field: string, value: string): string | undefined {
  if (unresolved(value) || /^[a-z]{2}(-[a-z]+)+-[0-9]$/.test(value)) return undefined;
  return `${field} '${value}' is not an AWS region; use a region name such as eu-west-2`;
}

/** `count` distinct availability zone names of `region` (`eu-west-2a`), not zone ids. */
export function checkAvailabilityZones(
  field: string,
  zones: readonly string[],
  region: string,
  count: number,
): string | undefined {
  if (zones.length !== count) {
    return `${field} must list exactly ${count} zones, got ${zones.length}`;
  }
  for (const zone of zones) {
    if (unresolved(zone) || unresolved(region)) continue;
    if (!new RegExp(`^${region}[a-z]$`).test(zone)) {
      return (
        `${field} '${zone}' is not a zone of ${region}; use zone names of the region, such as ` +
        `${region}a (zone ids like euw2-az1 are not accepted)`
      );
    }
  }
  const duplicate = zones.find((z, i) => zones.indexOf(z) !== i);
  if (duplicate !== undefined)
    return `${field} lists '${duplicate}' twice; use ${count} different zones`;
  return undefined;
}

/** An IPv4 network address with a prefix length from `minBits` to `maxBits`. */
export function checkIpv4Cidr(
  field: string,
  cidr: string,
  minBits: number,
  maxBits: number,
): string | undefined {
  if (unresolved(cidr)) return undefined;
  const parsed = parseStrictCidr(cidr);
  if (!parsed || parsed[0].kind() !== 'ipv4') {
    return `${field} '${cidr}' is not an IPv4 CIDR; use 'a.b.c.d/n', e.g. 10.20.0.0/16`;
  }
  const [address, bits] = parsed;
  const network = `${networkAddress(address, bits).toString()}/${bits}`;
  if (network !== cidr)
    return `${field} '${cidr}' has host bits set; use the network address '${network}'`;
  if (bits < minBits || bits > maxBits) {
    return `${field} '${cidr}' is a /${bits}; use a prefix from /${minBits} to /${maxBits}`;
  }
  return undefined;
}

/** The CIDRs allowed to reach a public API endpoint: real networks, none broader than a /8. */
export function checkPublicEndpointCidrs(
  field: string,
  cidrs: readonly string[],
): string | undefined {
  for (const [i, cidr] of cidrs.entries()) {
    if (unresolved(cidr)) continue;
    const parsed = parseStrictCidr(cidr);
    if (!parsed) return `${field}[${i}] '${cidr}' is not a CIDR; use 'a.b.c.d/n'`;
    const [address, bits] = parsed;
    if (bits < 8) {
      return (
        `${field}[${i}] '${cidr}' opens the API endpoint to ${bits === 0 ? 'the whole internet' : `a /${bits}`}; ` +
        `list the networks that need it, none broader than a /8`
      );
    }
    const network = `${networkAddress(address, bits).toString()}/${bits}`;
    if (network !== cidr) {
      return `${field}[${i}] '${cidr}' has host bits set; use the network address '${network}'`;
    }
  }
  return undefined;
}

/** A CloudWatch Logs retention of at least `minDays`. */
export function checkRetention(field: string, days: number, minDays: number): string | undefined {
  if (!CLOUDWATCH_RETENTION_DAYS.includes(days)) {
    return `${field} ${days} is not a retention CloudWatch Logs accepts; use one of ${CLOUDWATCH_RETENTION_DAYS.filter((d) => d >= minDays).join(', ')}`;
  }
  if (days < minDays) return `${field} must be at least ${minDays} days, got ${days}`;
  return undefined;
}

/** An S3 bucket name (general purpose bucket rules), for a bucket of our own. */
export function checkBucketName(field: string, value: string): string | undefined {
  if (unresolved(value)) return undefined;
  const fix =
    'use 3 to 63 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value))
    return `${field} '${value}' is not a valid S3 bucket name; ${fix}`;
  if (value.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(value))
    return `${field} '${value}' is not a valid S3 bucket name (no '..', not an IP address); ${fix}`;
  if (
    /^(xn--|sthree-|amzn-s3-demo-)/.test(value) ||
    /(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(value)
  )
    return `${field} '${value}' uses a prefix or suffix S3 reserves; choose another name`;
  return undefined;
}

/** A KMS alias name after `alias/`: letters, digits, '/', '_' and '-', not under `aws/`. */
export function checkKmsAlias(field: string, value: string): string | undefined {
  if (unresolved(value)) return undefined;
  if (/^[a-zA-Z0-9/_-]{1,250}$/.test(value) && !value.startsWith('aws/')) return undefined;
  return (
    `${field} '${value}' is not a valid KMS alias; use 1 to 250 letters, digits, '/', '_' and ` +
    `'-', not starting with 'aws/' (KMS reserves it)`
  );
}

/** A whole number of days, at least `minDays`. */
export function checkDays(field: string, days: number, minDays: number): string | undefined {
  if (Number.isInteger(days) && days >= minDays) return undefined;
  return `${field} ${days}: use a whole number of days, at least ${minDays}`;
}

/** A list that must hold at least `min` entries. */
export function checkAtLeast(
  field: string,
  list: readonly unknown[],
  min: number,
  what: string,
): string | undefined {
  if (unresolved(list) || list.length >= min) return undefined;
  return `${field} must list at least ${min} ${what}, got ${list.length}`;
}
