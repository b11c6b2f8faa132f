import { z } from 'zod';
import { compileTemplate, TemplateError } from '../../template/index.ts';

/** The text of a Go template, checked to parse so that a broken template is refused with the object. */
export const templateTextSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .superRefine((text, ctx) => {
    try {
      compileTemplate('template', text);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      ctx.addIssue({ code: 'custom', message: `invalid template: ${error.message}` });
    }
  });
