/**
 * @dkl/cli. See README.md.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@dkl/cli';
