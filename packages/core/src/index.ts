export * from "./errors.ts"; export type * from "./store/types.ts"; export type * from "./engine/types.ts";
