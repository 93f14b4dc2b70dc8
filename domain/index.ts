export * from './order-status.js';
export * from './roles.js';
