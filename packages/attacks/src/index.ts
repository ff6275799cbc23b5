/**
 * @dkl/attacks. See README.md.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@dkl/attacks';
