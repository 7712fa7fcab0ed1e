export * from './control-events.ts';
