/**
 * @dkl/cli: the `dkl` command. Config overrides today; the command itself arrives with its issue.
 * @packageDocumentation
 */
export { applyOverride } from './overrides.js';
