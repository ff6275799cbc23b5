/**
 * The attacks this package contributes (bound by `attacksModule`), each a thin definition over
 * the pure attack functions: schema defaults are those `robust-eval` has always used.
 */
import { z } from 'zod';
import { defineAttack, flagsOf, type AttackDefinition } from './attack-definition.js';
import { checkedFlags } from './attack-plan.js';
import { autoAttack, autoAttackPlan } from './auto-attack.js';
import { fgsm, pgd } from './pgd.js';
import { runSuiteAttack, type AutoAttackName } from './suite.js';

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

function suiteMember(name: AutoAttackName, description: string, schema: z.ZodType<Record<string, number>>) {
  return defineAttack({
    name,
    description,
    norms: ['linf', 'l2'],
    schema,
    robustFlags: async (forward, x, y, o, { eps, norm, seed }) => checkedFlags(forward, x, y, runSuiteAttack(name, forward, x, y, { ...o, norm, eps, seed }), eps, norm, name),
  });
}

/** Budgets default to the version's (the reference's `set_version`); given ones override them. */
const autoAttackSchema = z
  .object({
    version: z.enum(['standard', 'plus', 'rand']).default('standard'),
    apgdSteps: positiveInt.optional(),
    nTargetClasses: positiveInt.optional(),
    fabSteps: positiveInt.optional(),
    squareQueries: positiveInt.optional(),
    apgdRestarts: positiveInt.optional(),
    fabRestarts: positiveInt.optional(),
    eotIter: positiveInt.optional(),
  })
  .strict();

/** The schema's output without its unset budgets (`exactOptionalPropertyTypes`). */
function definedOnly<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

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
  suiteMember('apgd-ce', 'APGD on the cross-entropy (Croce & Hein 2020)', apgdSchema.extend({ eotIter: positiveInt.default(1) })),
  suiteMember('apgd-dlr', 'APGD on the difference-of-logits-ratio loss', apgdSchema.extend({ eotIter: positiveInt.default(1) })),
  suiteMember('apgd-t', 'targeted APGD on the DLR loss, over the top nTargetClasses classes', z.object({ apgdSteps: positiveInt.default(100), apgdTRestarts: positiveInt.default(1), nTargetClasses: positiveInt.default(9) }).strict()),
  suiteMember('fab', 'untargeted FAB, minimal-distortion attack towards the closest linearised boundary', z.object({ fabSteps: positiveInt.default(100), fabRestarts: positiveInt.default(1) }).strict()),
  suiteMember('fab-t', 'targeted FAB, minimal-distortion attack', z.object({ fabSteps: positiveInt.default(100), nTargetClasses: positiveInt.default(9), fabRestarts: positiveInt.default(1) }).strict()),
  suiteMember('square', 'Square attack, score-based black box', z.object({ squareQueries: positiveInt.default(5000), squareRestarts: positiveInt.default(1) }).strict()),
  defineAttack({
    name: 'autoattack',
    description: "AutoAttack (version standard: APGD-CE, APGD-T, FAB-T, Square; plus; rand), each attack on the points still robust",
    norms: ['linf', 'l2'],
    schema: autoAttackSchema,
    robustFlags: async (forward, x, y, o, { eps, norm, seed }) =>
      [...(await autoAttack(forward, x, y, { ...definedOnly(o), norm, eps, seed, batchSize: x.shape[0]!, onWarning: () => undefined })).robustFlags],
    plan: (o, threat, warn) => autoAttackPlan(definedOnly(o), threat, warn),
  }),
];
