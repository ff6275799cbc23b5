/**
 * @dkl/data. See README.md.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@dkl/data';
