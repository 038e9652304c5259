/**
 * smol-toml, for tests that read containerd and runsc configuration as data. Its type declarations
 * are ES-module only, so TypeScript's node16 resolution refuses a static import from our CommonJS
 * tests; its CommonJS build is loaded instead, typed by the same declarations.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const toml = require('smol-toml') as typeof import('smol-toml', {
  with: { 'resolution-mode': 'import' },
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Toml = Record<string, any>;

export const parseToml = (text: string): Toml => toml.parse(text) as Toml;
export const stringifyToml = (value: Toml): string => toml.stringify(value);
