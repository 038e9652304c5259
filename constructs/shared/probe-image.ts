/**
 * The conformance probe image (images/probe): its repository and the digest the reproducible build
 * (scripts/build-images.sh) produces. Framework-free; `test/e2e/images.test.ts` rebuilds the image and fails when
 * this digest no longer matches.
 */

/** Repository the examples and `SandboxConformanceProbe` reference; push the archive there. */
export const PROBE_IMAGE_REPOSITORY = 'registry.example.com/eval-sandbox/conformance-probe';

/** Digest of the image the build produces (`npm run images:build`; test/e2e/images.test.ts fails when they differ). */
export const PROBE_IMAGE_DIGEST =
  'sha256:359b576a971d5e011917a3ff05f9f68baaa7f6911ed931fd805707ad4d086528';

/** `repository@digest`. */
export const PROBE_IMAGE = `${PROBE_IMAGE_REPOSITORY}@${PROBE_IMAGE_DIGEST}`;
