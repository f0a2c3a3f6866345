// Injectable time and randomness, so protocol code has no hidden inputs.
import { randomBytes as nodeRandomBytes } from 'node:crypto';

/** Milliseconds since the epoch. */
export type Clock = () => number;
export type RandomBytes = (size: number) => Uint8Array;

export const systemClock: Clock = () => Date.now();
export const systemRandom: RandomBytes = (size) => nodeRandomBytes(size);

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
