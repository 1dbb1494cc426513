import type { JsMsg } from '@nats-io/jetstream';

/** One report as the JetStream runner hands it to its handler: the bytes and the ways to settle it. */
export interface InboundReport {
  readonly subject: string;
  /** The subject's last token (docs/protocol.md, "Reports in": must equal the report's `storyId`). */
  readonly storyId: string;
  readonly data: Uint8Array;
  /** Stream sequence: names an unparseable report (`seq:<n>`). */
  readonly seq: number;
  /** 1 on first delivery, then counts redeliveries. */
  readonly deliveryCount: number;
  /** The publisher's `Nats-Msg-Id` header, when it set one. */
  readonly msgId?: string;
  /** Done: never deliver again. Send only after the outcome is committed. */
  ack(): void;
  /** Deliver again, after `delayMs` when given. */
  nak(delayMs?: number): void;
  /** Never deliver again, to anyone (a poison message whose rejection is recorded). */
  term(): void;
  /** Still busy: restarts the ack-wait clock. Does not settle. */
  working(): void;
}

/** Wraps a JetStream message and remembers whether the handler settled it. */
export class JetStreamInboundReport implements InboundReport {
  readonly storyId: string;
  private decided = false;

  constructor(
    private readonly msg: JsMsg,
    private readonly onSettled?: (report: JetStreamInboundReport) => void,
  ) {
    this.storyId = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
  }

  // Read on demand: each parses the reply subject or the headers, which most reports never need.
  get seq(): number {
    return this.msg.seq;
  }

  get deliveryCount(): number {
    return this.msg.info.deliveryCount;
  }

  get msgId(): string | undefined {
    return this.msg.headers?.get('Nats-Msg-Id') || undefined;
  }

  get subject(): string {
    return this.msg.subject;
  }

  get data(): Uint8Array {
    return this.msg.data;
  }

  get settled(): boolean {
    return this.decided;
  }

  ack(): void {
    this.settle(() => this.msg.ack());
  }

  nak(delayMs?: number): void {
    this.settle(() => this.msg.nak(delayMs));
  }

  term(): void {
    // No reason string: `+TERM <reason>` needs server 2.10.4; 2.9 knows only the bare `+TERM`.
    this.settle(() => this.msg.term());
  }

  working(): void {
    if (!this.decided) this.msg.working();
  }

  // The first decision wins: a second one (ack after nak, say) would confuse the server's state.
  private settle(send: () => void): void {
    if (this.decided) return;
    this.decided = true;
    send();
    this.onSettled?.(this);
  }
}
