/**
 * `@resumable-sse/core/protocol`: the browser-safe part of core — frame encoder, cursor codec and
 * control events. Nothing here (or reached from here) may import a Node built-in.
 * @module
 */
export * from './control-events.ts';
export * from './cursor-codec.ts';
export * from './encode-event.ts';
export * from './event-tag.ts';
