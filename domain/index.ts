export * from './order-schemas.js';
export * from './order-status.js';
export * from './roles.js';
