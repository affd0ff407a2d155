import type * as TF from '@tensorflow/tfjs-core';

let loaded: typeof TF | undefined;

/**
 * TF.js core with the cpu and wasm backends registered, loaded on first use. `@hera/models` is
 * also imported for the zoo specs alone (placement, the CLI, the profile generator); loading
 * TF.js eagerly would cost every such process ~90 ms and ~18 MB before it scores anything.
 */
export function tfjs(): typeof TF {
  if (!loaded) {
    /* eslint-disable @typescript-eslint/no-require-imports -- deliberately lazy, see above */
    const tf = require('@tensorflow/tfjs-core') as typeof TF;
    require('@tensorflow/tfjs-backend-cpu');
    require('@tensorflow/tfjs-backend-wasm');
    /* eslint-enable @typescript-eslint/no-require-imports */
    loaded = tf;
  }
  return loaded;
}
