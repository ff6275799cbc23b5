/**
 * @dkl/losses. See README.md.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@dkl/losses';
