import * as os from 'node:os';
import * as path from 'node:path';

/** Where `local up` keeps its state unless told otherwise. */
export function defaultStateDir(): string {
  const base = process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'eval-sandbox', 'local');
}
