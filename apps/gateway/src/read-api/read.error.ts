import { HttpException, HttpStatus } from '@nestjs/common';

export type ReadErrorCode = 'invalid' | 'not-found' | 'forbidden' | 'unavailable';

const STATUS: Record<ReadErrorCode, HttpStatus> = {
  invalid: HttpStatus.BAD_REQUEST,
  'not-found': HttpStatus.NOT_FOUND,
  forbidden: HttpStatus.FORBIDDEN,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/** The read side's errors, with the same codes as the socket acks; answered as `{ error: {code, message, fields?} }`. */
export class ReadError extends HttpException {
  constructor(
    readonly code: ReadErrorCode,
    message: string,
    fields?: Record<string, string>,
  ) {
    super({ error: { code, message, ...(fields ? { fields } : {}) } }, STATUS[code]);
  }
}
