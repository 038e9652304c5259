export * from './labels';
export * from './platform';
export * from './errors';
export * from './validation';
export * from './network';
export * from './probe-image';
export * from './janitor-image';
export * from './egress-gateway-config';
