/** Config of batch mixing (torchvision.transforms.v2 `MixUp` / `CutMix`; both = `RandomChoice` of the two). */
import { z } from 'zod';

export const mixSpecSchema = z
  .object({
    /** MixUp: lambda ~ Beta(alpha, alpha) (torchvision's default alpha 1; the ImageNet recipe uses 0.2). */
    mixup: z.object({ alpha: z.number().positive().default(1) }).strict().optional(),
    /** CutMix: lambda ~ Beta(alpha, alpha), a box of area 1 - lambda from the rolled batch (default alpha 1). */
    cutmix: z.object({ alpha: z.number().positive().default(1) }).strict().optional(),
    /** Probability that a batch is mixed at all (default 1); an unmixed batch still carries one-hot targets. */
    p: z.number().min(0).max(1).default(1),
  })
  .strict()
  .refine((spec) => spec.mixup !== undefined || spec.cutmix !== undefined, { message: 'give mixup, cutmix or both' });

export type MixSpec = z.output<typeof mixSpecSchema>;
export type MixSpecInput = z.input<typeof mixSpecSchema>;
