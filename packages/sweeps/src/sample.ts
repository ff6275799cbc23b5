/** Expands a sweep's parameters into cells: the grid's cartesian product times seeded random draws. */
import { SeededRng } from '@dkl/core';
import type { ParameterSpec, SweepFile } from './sweep-file.js';

/** One setting of the swept parameters. */
export interface Cell {
  /** Key path -> value put into the config. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Key path -> what to show (a grid label, else the value). */
  readonly display: Readonly<Record<string, unknown>>;
}

type Random = Extract<ParameterSpec, { random: unknown }>['random'];

function draw(rng: SeededRng, spec: Random): unknown {
  if ('uniform' in spec) return rng.uniform(spec.uniform[0], spec.uniform[1]);
  if ('logUniform' in spec) return Math.exp(rng.uniform(Math.log(spec.logUniform[0]), Math.log(spec.logUniform[1])));
  return spec.choice[rng.int(spec.choice.length)];
}

/** The sweep's cells, in a stable order: grid keys in file order (first outermost), then random draws. */
export function expandCells(sweep: Pick<SweepFile, 'parameters' | 'trials' | 'samplerSeed'>): Cell[] {
  const entries = Object.entries(sweep.parameters);
  let cells: Cell[] = [{ values: {}, display: {} }];
  for (const [key, spec] of entries) {
    if (!('grid' in spec)) continue;
    cells = cells.flatMap((cell) =>
      spec.grid.map((value, i) => ({ values: { ...cell.values, [key]: value }, display: { ...cell.display, [key]: spec.labels?.[i] ?? value } })),
    );
  }
  const random = entries.filter((e): e is [string, Extract<ParameterSpec, { random: unknown }>] => 'random' in e[1]);
  if (random.length === 0) return cells;
  const rng = new SeededRng(`dkl-sweep-sampler/${sweep.samplerSeed}`);
  return cells.flatMap((cell) =>
    Array.from({ length: sweep.trials ?? 1 }, () => {
      const drawn = Object.fromEntries(random.map(([key, spec]) => [key, draw(rng, spec.random)]));
      return { values: { ...cell.values, ...drawn }, display: { ...cell.display, ...drawn } };
    }),
  );
}

/** `weightDecay=0.0005, temperature=4`: the last key segment unless two parameters share it. */
export function cellLabel(display: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(display);
  if (keys.length === 0) return 'base';
  const short = (k: string) => k.split('.').at(-1)!.replace(/\[\d+\]$/, '');
  const ambiguous = new Set(keys.map(short)).size < keys.length;
  const show = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : typeof v === 'string' ? v : JSON.stringify(v));
  return keys.map((k) => `${ambiguous ? k : short(k)}=${show(display[k])}`).join(', ');
}
