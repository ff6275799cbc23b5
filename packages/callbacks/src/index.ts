/**
 * @dkl/callbacks. See README.md.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@dkl/callbacks';
