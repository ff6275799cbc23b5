/**
 * @dkl/trainers. See README.md.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@dkl/trainers';
