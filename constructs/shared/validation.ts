/**
 * Framework-free syntax checks. Each returns `undefined` when the value is valid, or a sentence
 * saying what is wrong and how to fix it; the caller adds the construct path and throws.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** An RFC 1123 label: namespace, Job and ServiceAccount names. */
export function checkDnsLabel(field: string, value: string): string | undefined {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    return (
      `${field} '${value}' is not a valid name; use at most 63 lowercase letters, digits and '-', ` +
      `starting and ending with a letter or digit`
    );
  }
  return undefined;
}

/** A label value: empty, or at most 63 characters of `[A-Za-z0-9._-]` starting and ending alphanumeric. */
export function checkLabelValue(field: string, value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return (
      `${field} '${value}' is not a valid label value; use at most 63 characters of ` +
      `letters, digits, '-', '_' and '.', starting and ending with a letter or digit ` +
      `(for example replace '/' and ':' with '-')`
    );
  }
  return undefined;
}

/** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function checkLabelKey(field: string, key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
    return (
      `${field} '${key}' is not a valid label key; use an optional DNS prefix and '/', ` +
      `then at most 63 letters, digits, '-', '_' or '.' (for example 'example.com/team')`
    );
  }
  return undefined;
}

// The image reference grammar of the OCI distribution spec, restricted to sha256 digests.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST_PINNED_IMAGE = new RegExp(`^${NAME}(?::${TAG})?@sha256:[a-f0-9]{64}$`);

/** True when `image` is a valid reference pinned by a sha256 digest. */
export function isDigestPinned(image: string): boolean {
  return DIGEST_PINNED_IMAGE.test(image);
}

/** An image reference pinned by digest: `name@sha256:<64 lowercase hex>` (a tag before `@` is allowed). */
export function checkDigestPinnedImage(field: string, image: string): string | undefined {
  if (!isDigestPinned(image)) {
    return `${field} '${image}' must be pinned by digest; use 'registry/repo/name@sha256:<64 lowercase hex>'`;
  }
  return undefined;
}

/** A whole number in `[min, max]`. */
export function checkInteger(
  field: string,
  value: number,
  min: number,
  max: number,
): string | undefined {
  if (!Number.isInteger(value) || value < min || value > max) {
    return `${field} must be a whole number from ${min} to ${max}; got ${value}`;
  }
  return undefined;
}

/** Lowercases `value` and replaces every run of characters a DNS label cannot hold with '-'. */
export function slugify(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
