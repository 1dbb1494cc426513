/** The app's pino logger (JSON lines on stdout). */
export const LOGGER = Symbol('LOGGER');
export type { Logger } from 'pino';
