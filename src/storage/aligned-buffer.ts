/** O_DIRECT wants the memory address, the length and the file offset of a read or write in whole blocks. */
export const DIRECT_BLOCK = 4096;

/**
 * Page-aligned memory. A WebAssembly.Memory's buffer starts on a page boundary (it is mapped, not
 * taken from malloc), which O_DIRECT needs; Node's Buffer allocators promise no alignment.
 */
export function alignedBuffer(bytes: number): Buffer {
  return Buffer.from(new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) }).buffer, 0, bytes);
}

/** `n` rounded up to whole DIRECT_BLOCKs. */
export function alignUp(n: number): number {
  return Math.ceil(n / DIRECT_BLOCK) * DIRECT_BLOCK;
}
