import {
  checkDigestPinnedImage,
  checkDnsLabel,
  checkInteger,
  checkLabelKey,
  checkLabelValue,
  isDigestPinned,
  slugify,
} from '../../../constructs/shared/validation';

const HEX = 'a'.repeat(64);

describe('image digest pinning', () => {
  test.each([
    `busybox@sha256:${HEX}`,
    `docker.io/library/busybox@sha256:${HEX}`,
    `registry.example.com:5000/team/task-image@sha256:${HEX}`,
    `123456789012.dkr.ecr.eu-west-2.amazonaws.com/evals/swe@sha256:${HEX}`,
    `ghcr.io/org/name:v1.2.3@sha256:${HEX}`,
    `localhost/a__b.c-d@sha256:${'0123456789abcdef'.repeat(4)}`,
  ])('GIVEN %s THEN it is accepted', (image) => {
    expect(isDigestPinned(image)).toBe(true);
    expect(checkDigestPinnedImage('image', image)).toBeUndefined();
  });

  test.each([
    ['a tag only', 'busybox:latest'],
    ['no tag or digest', 'busybox'],
    ['a short digest', `busybox@sha256:${'a'.repeat(63)}`],
    ['a long digest', `busybox@sha256:${'a'.repeat(65)}`],
    ['uppercase hex', `busybox@sha256:${'A'.repeat(64)}`],
    ['another algorithm', `busybox@sha512:${'a'.repeat(128)}`],
    ['an uppercase repository', `Busybox@sha256:${HEX}`],
    ['a trailing tag after the digest', `busybox@sha256:${HEX}:latest`],
    ['whitespace', ` busybox@sha256:${HEX}`],
    ['an empty string', ''],
  ])('GIVEN %s THEN it is refused with the fix', (_what, image) => {
    expect(isDigestPinned(image)).toBe(false);
    expect(checkDigestPinnedImage('image', image)).toBe(
      `image '${image}' must be pinned by digest; use 'registry/repo/name@sha256:<64 lowercase hex>'`,
    );
  });
});

describe('names and labels', () => {
  test.each(['a', 'sbx-1', 'x'.repeat(63), '0abc'])('GIVEN DNS label %s THEN it is valid', (v) => {
    expect(checkDnsLabel('name', v)).toBeUndefined();
  });
  test.each(['', 'A', 'a_b', '-a', 'a-', 'a.b', 'x'.repeat(64)])(
    'GIVEN DNS label %p THEN it is refused',
    (v) => {
      expect(checkDnsLabel('name', v)).toMatch(
        /^name '.*' is not a valid name; use at most 63 lowercase/,
      );
    },
  );

  test.each(['', 'v1', 'Model_X.2-b', 'x'.repeat(63)])(
    'GIVEN label value %p THEN it is valid',
    (v) => {
      expect(checkLabelValue('model', v)).toBeUndefined();
    },
  );
  test.each(['anthropic/claude', 'gpt:4', '-a', 'a-', 'x'.repeat(64), 'a b'])(
    'GIVEN label value %p THEN it is refused naming the field and the fix',
    (v) => {
      expect(checkLabelValue('model', v)).toMatch(
        /^model '.*' is not a valid label value; .*replace '\/' and ':'/,
      );
    },
  );

  test.each(['team', 'example.com/team', 'eval-sandbox.io/run-group', 'a.b/C_d'])(
    'GIVEN label key %s THEN it is valid',
    (k) => {
      expect(checkLabelKey('key', k)).toBeUndefined();
    },
  );
  test.each(['', '/team', 'Example.com/team', 'a/b/c', 'team-', `example.com/${'x'.repeat(64)}`])(
    'GIVEN label key %p THEN it is refused',
    (k) => {
      expect(checkLabelKey('key', k)).toMatch(/is not a valid label key/);
    },
  );

  test('slugify lowercases and replaces characters a DNS label cannot hold', () => {
    expect(slugify('Run_42/Model:X')).toBe('run-42-model-x');
    expect(slugify('--a--')).toBe('a');
  });
});

describe('integers', () => {
  test('GIVEN values in and out of range THEN only whole numbers in range pass', () => {
    expect(checkInteger('n', 1, 1, 10)).toBeUndefined();
    expect(checkInteger('n', 10, 1, 10)).toBeUndefined();
    expect(checkInteger('n', 0, 1, 10)).toBe('n must be a whole number from 1 to 10; got 0');
    expect(checkInteger('n', 11, 1, 10)).toBeDefined();
    expect(checkInteger('n', 1.5, 1, 10)).toBeDefined();
    expect(checkInteger('n', Number.NaN, 1, 10)).toBeDefined();
  });
});
