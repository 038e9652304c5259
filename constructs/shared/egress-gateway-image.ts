/**
 * The egress gateway's image: Debian 12's `squid` (5.7) with exactly the shared libraries it loads,
 * its MIME table, icons and error templates, and a passwd entry for uid 65532; no shell. Built
 * reproducibly by scripts/build-images.sh from .deb files pinned by version and sha256.
 * Framework-free; `test/e2e/images.test.ts` rebuilds the image and fails when this digest no longer
 * matches.
 */

/** Repository `EgressGateway` references by default; push the archive there. */
export const EGRESS_GATEWAY_IMAGE_REPOSITORY = 'registry.example.com/eval-sandbox/egress-gateway';

/** Digest of the image the build produces (`npm run images:build`; test/e2e/images.test.ts fails when they differ). */
export const EGRESS_GATEWAY_IMAGE_DIGEST =
  'sha256:04a3ed67270353755f3871454fac3dfb5b0033c9448b3ce02c1272613a366c91';

/** `repository@digest`. */
export const EGRESS_GATEWAY_IMAGE = `${EGRESS_GATEWAY_IMAGE_REPOSITORY}@${EGRESS_GATEWAY_IMAGE_DIGEST}`;
