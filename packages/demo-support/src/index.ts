/**
 * What the demo apps share: environment config (the demo-app contract in this package's README), store selection, listening,
 * graceful shutdown, JSON errors, request-body limits and page bundling. Test helpers live in `./testing`.
 * @module
 */
export * from './bundle-page.ts';
export * from './config.ts';
export * from './graceful-shutdown.ts';
export * from './http-error.ts';
export * from './listen.ts';
export * from './open-store.ts';
export * from './request-body.ts';
export * from './startup-error.ts';
