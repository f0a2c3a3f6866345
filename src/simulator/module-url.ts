// The URL of this folder's modules, to find the shipped data files. import.meta does not exist in
// CommonJS: scripts/build.mjs replaces this file in dist/cjs with a __filename-based one.
// biome-ignore lint/suspicious/noTsIgnore: the CommonJS compile cannot see import.meta; its output is replaced.
// @ts-ignore
export const moduleUrl: string = import.meta.url;
