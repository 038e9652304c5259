/**
 * The files a command is given: files as named, folders walked (sorted by code point, so the order
 * does not depend on the locale) for the extensions the command reads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Input that cannot be read (a missing path, a folder without input files): a usage error, exit 2. */
export class InputError extends Error {}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function walk(dir: string, extensions: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => byCodePoint(a.name, b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, extensions));
    else if (extensions.has(path.extname(entry.name).toLowerCase())) out.push(full);
  }
  return out;
}

/**
 * The files named by `paths`, each once: files as given, folders walked for `extensions`
 * (lowercase, with the dot). A missing path or a folder with none of them is an {@link InputError}.
 */
export function collectInputFiles(paths: string[], extensions: readonly string[]): string[] {
  const wanted = new Set(extensions);
  const files: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (err) {
      throw new InputError(
        `${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    if (stat.isDirectory()) {
      const found = walk(p, wanted);
      if (found.length === 0) {
        const names = extensions.map((e) => e);
        const list =
          names.length > 1
            ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`
            : names[0];
        throw new InputError(`${p}: no ${list} files in this folder`);
      }
      files.push(...found);
    } else {
      files.push(p);
    }
  }
  return [...new Set(files)];
}
