import { DklError } from '@dkl/core';

/** A model cannot be expressed in an export format; `layer` names where (`layer2.0.conv1`). */
export class ExportError extends DklError {
  constructor(
    readonly layer: string,
    message: string,
  ) {
    super('DKL_ARGUMENT', `cannot export layer '${layer}': ${message}`);
  }
}
