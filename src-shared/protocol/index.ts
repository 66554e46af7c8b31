export * from './base64.js';
export * from './codec.js';
export * from './codes.js';
export * from './limits.js';
export type * from './messages.js';
export * from './timestamps.js';
