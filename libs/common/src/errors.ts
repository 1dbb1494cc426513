/**
 * Tells a transient infrastructure failure (retry later, never reject) from anything else.
 * PostgreSQL SQLSTATE classes: 08 connection, 40 transaction rollback (serialisation, deadlock),
 * 53 insufficient resources, 57 operator intervention (shutdown, statement timeout), 55P03 lock
 * timeout; plus socket-level errors from the drivers.
 */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: unknown; driverError?: unknown };
  if (e.driverError instanceof Error && isTransientError(e.driverError)) return true;
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^(08|40|53|57)/.test(code) || code === '55P03' || code === '58000' || code === '58030')
    return true;
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)
  ) {
    return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|terminating connection|CONNECTION_CLOSED|DISCONNECT|TIMEOUT/i.test(
    e.message,
  );
}
