import { availableBackends, initBackend, type BackendName } from '../backend/init-backend.js';

/**
 * The backends a numeric reference suite (fixtures, float64 references, resume, leak checks) runs
 * on: every candidate that loads here, minus those `excluded` with a reason. Prints one line
 * saying where the suite ran and why it did not run elsewhere, so nothing is skipped silently.
 * One helper for every package's parameterised suites (`describe.each(await suiteBackends(...))`).
 */
export async function suiteBackends(
  suite: string,
  options: { readonly candidates?: readonly BackendName[]; readonly excluded?: Readonly<Partial<Record<BackendName, string>>> } = {},
): Promise<BackendName[]> {
  const candidates = (options.candidates ?? ['cpu', 'wasm', 'dkl-native']).filter((name) => !options.excluded?.[name]);
  const available = await availableBackends(candidates);
  const notHere = candidates.filter((name) => !available.includes(name)).map((name) => `${name} (does not load here)`);
  const excluded = Object.entries(options.excluded ?? {}).map(([name, why]) => `${name} (${why})`);
  const not = [...excluded, ...notHere];
  console.info(`[${suite}] runs on: ${available.join(', ')}${not.length ? `; not on: ${not.join('; ')}` : ''}`);
  return available;
}

/** Activates `name` for the tests that follow (quietly). */
export async function useSuiteBackend(name: BackendName): Promise<void> {
  await initBackend({ prefer: name, log: false });
}
