/** Where downloaded datasets are cached: `DKL_DATA_DIR`, else `dkl/data` under the user's cache directory. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The platform's per-user cache directory (XDG on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows). */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  return env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
}

/** `DKL_DATA_DIR` when set, else `<user cache dir>/dkl/data`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['DKL_DATA_DIR'] || join(userCacheDir(env), 'dkl', 'data');
}
