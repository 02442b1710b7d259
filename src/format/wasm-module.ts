import { readAsset } from '../storage/local-files.js';

/**
 * A WebAssembly module of dist/wasm/ (built by `make build`), compiled once per thread on first
 * use; null when it cannot be used here (not built, or a runtime without WebAssembly SIMD): the
 * JavaScript code that does the same work, slower, is used then.
 */
export function wasmModuleOnce(file: URL): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled === undefined) {
      const bytes = readAsset(file);
      try {
        compiled = bytes ? new WebAssembly.Module(new Uint8Array(bytes)) : null;
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}
