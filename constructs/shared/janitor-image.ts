/**
 * The sandbox janitor's image: a static busybox from Debian (`sh`, `date`, `tr`, `mktemp`, `cat`,
 * `rm`) and kubectl, built reproducibly by scripts/build-images.sh. Framework-free;
 * `test/e2e/images.test.ts` rebuilds the image and fails when this digest no longer matches.
 */

/** Repository `SandboxJanitor` references by default; push the archive there. */
export const JANITOR_IMAGE_REPOSITORY = 'registry.example.com/eval-sandbox/janitor';

/** Digest of the image the build produces (`npm run images:build`; test/e2e/images.test.ts fails when they differ). */
export const JANITOR_IMAGE_DIGEST =
  'sha256:67385169a49769a0a78a62d04e2f3918404f3f0bc7ad5627fdfdfb980a192722';

/** `repository@digest`. */
export const JANITOR_IMAGE = `${JANITOR_IMAGE_REPOSITORY}@${JANITOR_IMAGE_DIGEST}`;
