import { io } from 'socket.io-client';

/**
 * Whether a socket.io client sending `origin` (as a browser of that site would) gets a connection
 * to the gateway at `url` over `transports`; false once it is refused or `timeoutMs` passed.
 */
export const connectsFrom = (
  url: string,
  origin: string,
  transports: string[],
  timeoutMs: number,
) =>
  new Promise<boolean>((resolve) => {
    const socket = io(url, {
      transports,
      extraHeaders: { origin },
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
    });
    socket.once('connect', () => {
      socket.close();
      resolve(true);
    });
    socket.once('connect_error', () => {
      socket.close();
      resolve(false);
    });
  });
