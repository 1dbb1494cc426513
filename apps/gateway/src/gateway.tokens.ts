/** Injection tokens for values that are not classes. */
export const NATS = Symbol('NATS');
export const SUBJECTS = Symbol('SUBJECTS');
