import { z } from 'zod';

/** Zod fields shared by the loss plugins' option schemas. */
export const fields = {
  /** Weight of the hard-label cross-entropy; 0 drops it. */
  ceWeight: z.number().min(0),
  /** Warm-up length in epochs for `min(epoch / warmup, 1)`; 1 means no warm-up. */
  warmup: z.number().positive(),
  /** Which logits the hard-label CE applies to. */
  ceTarget: z.enum(['logits', 'reference']),
  /** Check tensors for NaN/Inf and labels for range on every call (one small device read). */
  validate: z.boolean(),
  temperature: z.number().positive(),
  nonNegative: z.number().min(0),
} as const;

/**
 * `z.strictObject` whose unknown-key message points users of the authors' code from
 * `alpha`/`beta` to our names (the code's ALPHA is `softLabelWeight`, BETA is `wmseWeight`).
 */
export function strictOptions<T extends z.ZodRawShape>(shape: T, aliasHint?: string) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys' && aliasHint && issue.keys.some((k) => k === 'alpha' || k === 'beta')) {
        return `unknown key(s) ${issue.keys.join(', ')}: ${aliasHint}`;
      }
      return undefined;
    },
  });
}
