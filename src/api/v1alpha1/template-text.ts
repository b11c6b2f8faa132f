import { z } from 'zod';
import { compileTemplate, TemplateError } from '../../template/index.ts';

/**
 * The text of a Go template, checked to parse so that a broken template is refused with its object.
 * `field` names the template in Go's messages (`template: spec.spiffeIDTemplate:1: ...`); it is also the
 * name under which rendering compiles the template, so the parse is done once. With `allowEmpty`, the
 * empty string (meaning "use the default") is accepted.
 */
export function templateTextSchema(field: string, options: { allowEmpty?: boolean } = {}): z.ZodType<string> {
  return z
    .string()
    .min(options.allowEmpty === true ? 0 : 1, { error: 'must not be empty' })
    .superRefine((text, ctx) => {
      if (text === '') return;
      try {
        compileTemplate(field, text);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        ctx.addIssue({ code: 'custom', message: `invalid template: ${error.message}` });
      }
    });
}
