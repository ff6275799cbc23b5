/**
 * @dkl/models. See README.md.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@dkl/models';
