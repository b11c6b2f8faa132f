import { z } from 'zod';
import { goDurationSchema } from './v1alpha1/duration.ts';

// SPIRE stores TTLs as int32 seconds and rejects negative ones.
const maxTtlSeconds = 2 ** 31 - 1;

/** An SVID TTL as a Go duration (`1h`), in whole seconds; 0 is the server's default. */
export const ttlSecondsSchema = goDurationSchema.transform((nanoseconds, ctx): number => {
  if (nanoseconds < 0n) ctx.addIssue({ code: 'custom', message: 'must not be negative' });
  else if (nanoseconds % 1_000_000_000n !== 0n) ctx.addIssue({ code: 'custom', message: 'must be a whole number of seconds' });
  else if (nanoseconds / 1_000_000_000n > BigInt(maxTtlSeconds)) ctx.addIssue({ code: 'custom', message: `must be at most ${maxTtlSeconds}s` });
  else return Number(nanoseconds / 1_000_000_000n);
  return z.NEVER;
});
