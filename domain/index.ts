export * from './order-parts.js';
export * from './order-schemas.js';
export * from './order-status.js';
export * from './roles.js';
