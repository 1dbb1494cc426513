import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.options';

/**
 * The browser origins allowed to open a socket (LIVEFEED_ALLOWED_ORIGINS; empty allows any).
 * CORS does not protect WebSockets, so this is checked on the handshake and on every engine.io
 * request, the WebSocket upgrade included. A request without an Origin header is not a cross-site
 * browser request (browsers always send it on WebSockets and cross-origin requests) and passes.
 */
@Injectable()
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;
  private draining = false;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.allowed = new Set(config.LIVEFEED_ALLOWED_ORIGINS.map(normalise));
  }

  get allowsAll(): boolean {
    return this.allowed.size === 0;
  }

  get origins(): readonly string[] {
    return [...this.allowed];
  }

  /** Refuse every new connection from now on (graceful shutdown). */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Why a request is refused, or null when it may proceed. A page the gateway served itself (its
   * origin's host is the request's `Host`) is same-origin and always may: the allow-list is for
   * the other sites that embed a story.
   */
  refusal(origin: string | string[] | undefined, host?: string | string[]): string | null {
    if (this.draining) return 'shutting down';
    if (origin === undefined || this.allowed.size === 0) return null;
    if (Array.isArray(origin)) return 'several Origin headers';
    if (typeof host === 'string' && hostOf(origin) === host.trim().toLowerCase()) return null;
    return this.allowed.has(normalise(origin)) ? null : 'origin not allowed';
  }
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

function normalise(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
