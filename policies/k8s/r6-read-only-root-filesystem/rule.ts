import { AdmissionRule } from '../rule';
import { equals, everyContainer, RUNNING_CONTAINER_LISTS, workloadRule } from '../workload';

const ID = 'SBX-R6-read-only-root-filesystem';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'Root filesystems are read-only',
  blocks: 'Containers and init containers without securityContext.readOnlyRootFilesystem: true.',
  why:
    'A writable image layer lets an agent plant tools and persist changes outside the size-limited scratch ' +
    'volume, where ephemeral-storage accounting is weaker.',
  severity: 'medium',
  enabledByDefault: true,
  validations: everyContainer(
    ID,
    RUNNING_CONTAINER_LISTS,
    (c) => equals('true', c, 'securityContext', 'readOnlyRootFilesystem'),
    '.securityContext.readOnlyRootFilesystem',
    'must be true',
  ),
});
