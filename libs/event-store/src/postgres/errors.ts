/** Error shapes of node-postgres worth telling apart. */
interface PgError {
  readonly code?: string;
  readonly constraint?: string;
}

function pgError(error: unknown): PgError {
  return typeof error === 'object' && error !== null ? (error as PgError) : {};
}

/** The SQLSTATE of a PostgreSQL error (TypeORM wraps it in `driverError`), if any. */
export function sqlState(error: unknown): string | undefined {
  const e = pgError(error);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  const driverError = (error as { driverError?: unknown } | null)?.driverError;
  return driverError ? sqlState(driverError) : undefined;
}

export function constraintOf(error: unknown): string | undefined {
  return pgError(error).constraint;
}

const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|Cannot use a pool after calling end/i;

/**
 * True when the database, not the batch, failed: the server is down or restarting, the connection broke,
 * the pool timed out. A caller retries the same batch later instead of splitting it item by item.
 */
export function isConnectionError(error: unknown): boolean {
  const state = sqlState(error);
  // 08: connection exception; 57P01-57P03: admin/crash shutdown, cannot connect now; 53300: too many connections.
  if (state) return state.startsWith('08') || /^57P0[1-3]$/.test(state) || state === '53300';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return error instanceof Error && CONNECTION_MESSAGES.test(error.message);
}

/**
 * True when PostgreSQL cannot serve a query now but may later, so a reader should retry rather than
 * report a bug: the connection failures of {@link isConnectionError}, plus insufficient resources
 * (53), operator intervention such as a statement timeout (57), a rolled-back transaction (40), a lock
 * timeout (55P03) and a database closed to connections (55000, `ALLOW_CONNECTIONS false`).
 */
export function isUnavailableError(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const state = sqlState(error);
  if (!state) return false;
  if (/^(53|57|40)/.test(state) || state === '55P03') return true;
  return state === '55000' && /not currently accepting connections/i.test(messageOf(error));
}

function messageOf(error: unknown): string {
  const driverError = (error as { driverError?: unknown } | null)?.driverError;
  if (driverError instanceof Error) return driverError.message;
  return error instanceof Error ? error.message : '';
}
