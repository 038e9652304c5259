import { AdmissionRule } from '../rule';
import { ALL_CONTAINER_LISTS, everyContainer, workloadRule } from '../workload';

const ID = 'SBX-R2-image-digest';

/** RE2: a reference that ends in a sha256 digest of 64 lowercase hex characters. */
export const DIGEST_PATTERN = '^[^@\\\\s]+@sha256:[a-f0-9]{64}$';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'Every image is pinned by sha256 digest',
  blocks:
    'Containers, init containers and ephemeral containers whose image is a tag or a bare name.',
  why:
    'A tag can be moved to other content after review; a digest names exactly the bytes that were scanned ' +
    'and approved.',
  severity: 'high',
  enabledByDefault: true,
  validations: everyContainer(
    ID,
    ALL_CONTAINER_LISTS,
    (c) => `has(${c}.image) && ${c}.image.matches('${DIGEST_PATTERN}')`,
    '.image',
    'must be pinned by digest (name@sha256:<64 lowercase hex>)',
  ),
});
