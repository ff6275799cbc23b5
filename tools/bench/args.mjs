// Command-line options shared by the benchmarks: `--name value`.

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** The value after `--name` as a number, or `fallback`. */
export function numArg(name, fallback) {
  return Number(arg(name, String(fallback)));
}
