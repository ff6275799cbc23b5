/**
 * The attacks this package contributes (bound by `attacksModule`), each a thin definition over
 * the pure attack functions: schema defaults are those `robust-eval` has always used.
 */
import { z } from 'zod';
import { defineAttack, flagsOf, type AttackDefinition } from './attack-definition.js';
import { autoAttack } from './auto-attack.js';
import { fgsm, pgd } from './pgd.js';
import { runSuiteAttack } from './suite.js';

const positiveInt = z.number().int().min(1);

const pgdSchema = z
  .object({
    steps: positiveInt.default(10),
    /** Default eps / 4. */
    stepSize: z.number().positive().optional(),
    restarts: positiveInt.default(1),
  })
  .strict();

function pgdWith(loss: 'ce' | 'cw', description: string) {
  return defineAttack({
    name: loss === 'ce' ? 'pgd' : 'cw',
    description,
    norms: ['linf', 'l2'],
    schema: pgdSchema,
    robustFlags: async (forward, x, y, o, { eps, norm, seed }) =>
      flagsOf(forward, x, y, pgd(forward, x, y, { norm, eps, stepSize: o.stepSize ?? eps / 4, steps: o.steps, restarts: o.restarts, loss, seed })),
  });
}

const apgdSchema = z.object({ apgdSteps: positiveInt.default(100), apgdRestarts: positiveInt.default(1), nTargetClasses: positiveInt.default(9) }).strict();

function suiteMember(name: 'apgd-ce' | 'apgd-dlr' | 'apgd-t' | 'fab-t' | 'square', description: string, schema: z.ZodType<Record<string, number>>, norms: readonly ('linf' | 'l2')[]) {
  return defineAttack({
    name,
    description,
    norms,
    schema,
    robustFlags: async (forward, x, y, o, { eps, norm, seed }) => flagsOf(forward, x, y, runSuiteAttack(name, forward, x, y, { ...o, norm, eps, seed })),
  });
}

const autoAttackSchema = z
  .object({
    apgdSteps: positiveInt.default(100),
    nTargetClasses: positiveInt.default(9),
    fabSteps: positiveInt.default(100),
    squareQueries: positiveInt.default(5000),
  })
  .strict();

/** Every built-in attack, in the order `dkl` lists them. */
export const builtinAttacks: readonly AttackDefinition<any>[] = [
  defineAttack({
    name: 'fgsm',
    description: 'fast gradient sign method: one L-inf step of eps on the cross-entropy',
    norms: ['linf'],
    schema: z.object({}).strict(),
    robustFlags: async (forward, x, y, _o, { eps }) => flagsOf(forward, x, y, fgsm(forward, x, y, { eps })),
  }),
  pgdWith('ce', 'PGD on the cross-entropy, random start, best of `restarts` (Madry et al.)'),
  pgdWith('cw', 'PGD on the Carlini-Wagner margin loss'),
  suiteMember('apgd-ce', 'APGD on the cross-entropy (Croce & Hein 2020)', apgdSchema, ['linf', 'l2']),
  suiteMember('apgd-dlr', 'APGD on the difference-of-logits-ratio loss', apgdSchema, ['linf', 'l2']),
  suiteMember('apgd-t', 'targeted APGD on the DLR loss, over the top nTargetClasses classes', apgdSchema, ['linf', 'l2']),
  suiteMember('fab-t', 'targeted FAB, minimal-distortion attack (L-inf)', z.object({ fabSteps: positiveInt.default(100), nTargetClasses: positiveInt.default(9) }).strict(), ['linf']),
  suiteMember('square', 'Square attack, score-based black box (L-inf)', z.object({ squareQueries: positiveInt.default(5000) }).strict(), ['linf']),
  defineAttack({
    name: 'autoattack',
    description: 'AutoAttack standard: APGD-CE, APGD-T, FAB-T, Square, each on the points still robust',
    norms: ['linf'],
    schema: autoAttackSchema,
    robustFlags: async (forward, x, y, o, { eps, norm, seed }) =>
      [...(await autoAttack(forward, x, y, { ...o, norm, eps, version: 'standard', seed, batchSize: x.shape[0]!, onWarning: () => undefined })).robustFlags],
  }),
];
