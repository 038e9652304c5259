/**
 * The one error type eval-sandbox throws for invalid input.
 *
 * It carries the construct path (or the file) the problem belongs to, so a user can find the
 * offending line. Messages say what is wrong, the value received and how to fix it.
 */
export class ValidationError extends Error {
  /** The construct path (or file path) the error belongs to. */
  public readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ValidationError';
    this.path = path;
  }
}
