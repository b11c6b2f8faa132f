/** A parse or execution error of a template; the message reads as Go's text/template words it. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/**
 * The words for a failure the engine did not foresee (a bug, or a limit of V8 it does not guard): parsing
 * and execution report it as a TemplateError, so that no template makes them throw anything else.
 */
export function internalError(e: unknown): string {
  return `internal error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
}
