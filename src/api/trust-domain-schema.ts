import { z } from 'zod';
import { trustDomainName } from '../identity/entry-spiffe-id.ts';

/** A trust domain name as written in a spec or the config, validated and normalised to its name. */
export const trustDomainSchema = z.string().transform((text, ctx): string => {
  const parsed = trustDomainName(text);
  if ('name' in parsed) return parsed.name;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});
