/** Injection tokens for values that are not classes. */
export const CONFIG = Symbol('CONFIG');
export const NATS = Symbol('NATS');
export const SUBJECTS = Symbol('SUBJECTS');
export const LOGGER = Symbol('LOGGER');
