export * from './http-error';
export * from './http-error.filter';
export * from './client-error.listener';
export * from './server-limits';
export * from './listen';
