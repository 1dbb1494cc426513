/** docs/asyncapi.json: NATS subjects and socket.io messages. Payloads come from the zod schemas. */
import { LIMITS } from '@livefeed/domain';
import { audienceAnnouncementSchema } from '../../apps/gateway/src/audience/audience.tally';
import {
  subscribeRequestSchema,
  unsubscribeRequestSchema,
} from '../../apps/gateway/src/push/subscribe-request.schema';
import { jsonSchemaOf, type JsonObject } from './json';
import {
  audienceMessageSchema,
  reconnectMessageSchema,
  revokedMessageSchema,
  subscribeAckSchema,
  unsubscribeAckSchema,
} from './shapes';

const ref = (to: string) => ({ $ref: to });
const msg = (name: string) => ref(`#/components/messages/${name}`);
const channel = (name: string) => ref(`#/channels/${name}`);

const storyIdParameter = {
  description: 'the story id: `^[a-z0-9][a-z0-9-]{0,63}$`',
  examples: ['karabakh-day-6'],
};
const rootParameter = {
  description:
    'the subject root, `LIVEFEED_SUBJECT_ROOT` (default `livefeed`); the streams are named after it upper-cased, `-` as `_`',
  default: 'livefeed',
};

function message(
  name: string,
  summary: string,
  payload: JsonObject,
  extra: JsonObject = {},
): JsonObject {
  return { name, summary, contentType: 'application/json', payload, ...extra };
}

/** An operation on one channel with one message (and, for a request, the reply on the same channel). */
function operation(
  action: 'send' | 'receive',
  channelName: string,
  messageName: string,
  more: { readonly summary?: string; readonly description?: string; readonly reply?: string } = {},
): JsonObject {
  const { reply, ...text } = more;
  return {
    action,
    channel: channel(channelName),
    ...text,
    messages: [ref(`#/channels/${channelName}/messages/${messageName}`)],
    ...(reply
      ? {
          reply: {
            channel: channel(channelName),
            messages: [ref(`#/channels/${channelName}/messages/${reply}`)],
          },
        }
      : {}),
  };
}

export function asyncApiDocument(version: string): JsonObject {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'livefeed messaging',
      version,
      description:
        'Reports in and events out over NATS (JetStream for both, core NATS for rejections and audience counts), and the socket.io protocol between the gateway and readers. The prose reference is docs/protocol.md.',
    },
    defaultContentType: 'application/json',
    servers: {
      nats: {
        host: '127.0.0.1:4222',
        protocol: 'nats',
        description: 'NATS with JetStream (`NATS_URL`).',
      },
      gateway: {
        host: 'localhost:3000',
        pathname: '/socket.io',
        protocol: 'ws',
        description:
          'socket.io 4 (engine.io 4; WebSocket, or HTTP long-polling as the fallback), default namespace. Each message below is a socket.io event of that name; replies are socket.io acknowledgements. The handshake may carry `auth: { token }`, a reader token (JWT HS256 with `LIVEFEED_READER_SECRET`, claim `stories: [ids]`). Browsers must come from `LIVEFEED_ALLOWED_ORIGINS` when it is set.',
      },
    },
    channels: {
      reports: natsChannel(
        '{root}.reports.{storyId}',
        'Reports in',
        `Captured by the JetStream stream \`<ROOT>_REPORTS\` (subjects \`<root>.reports.>\`, file storage, kept by limits, duplicate window 2 minutes) and read by ingest's durable pull consumer \`ingest\` (explicit acks, ack wait \`LIVEFEED_ACK_WAIT_MS\`, unlimited deliveries). At most ${LIMITS.reportBytes} bytes.`,
        'report',
        'report',
      ),
      events: natsChannel(
        '{root}.events.{storyId}',
        'Events out',
        "Every committed event, published after its commit on the JetStream stream `<ROOT>_EVENTS` (subjects `<root>.events.>`, file storage, events older than `LIVEFEED_EVENTS_MAX_AGE_DAYS` dropped). Each gateway reads it with its own ordered consumer. A story's events may arrive out of version order or twice (several ingest workers, a re-publish after a crash): order by `version` and drop versions already held.",
        'event',
        'event',
      ),
      rejections: natsChannel(
        '{root}.rejections.{storyId}',
        'Rejections',
        'Core NATS, not stored by JetStream: the recorded outcome (`GET /api/reports/:reportId`) is the record. `storyId` is `_` when the report named no usable story id.',
        'rejection',
        'rejection',
      ),
      audience: natsChannel(
        '{root}.audience',
        'Audience counts between gateways',
        'Core NATS, internal: every gateway instance announces its own subscribers per story every second; an instance not heard from for 5 s no longer counts.',
        'announcement',
        'audienceAnnouncement',
      ),
      socket: {
        address: '/',
        title: 'socket.io, default namespace',
        servers: [ref('#/servers/gateway')],
        messages: {
          subscribe: msg('subscribe'),
          subscribeAck: msg('subscribeAck'),
          unsubscribe: msg('unsubscribe'),
          unsubscribeAck: msg('unsubscribeAck'),
          snapshot: msg('snapshot'),
          event: msg('pushedEvent'),
          audience: msg('audience'),
          revoked: msg('revoked'),
          reconnect: msg('reconnect'),
        },
      },
    },
    operations: {
      receiveReport: operation('receive', 'reports', 'report', {
        summary: 'Ingest decides each report: exactly one event, or one rejection.',
      }),
      sendEvent: operation('send', 'events', 'event', {
        summary: 'Ingest publishes each event once it is committed in PostgreSQL.',
      }),
      sendRejection: operation('send', 'rejections', 'rejection', {
        summary: 'Ingest announces each rejection once it is recorded.',
      }),
      announceAudience: operation('send', 'audience', 'announcement'),
      hearAudience: operation('receive', 'audience', 'announcement'),
      subscribe: operation('receive', 'socket', 'subscribe', {
        summary: 'A reader follows a story, from `since` (the last version it holds) or afresh.',
        description:
          "Ignored without an acknowledgement callback. The ack comes first; then, when `since` is omitted, more than 1000 versions behind, or beyond the story's version, one `snapshot`; then `event` messages, each exactly one version after the last, catch-up and live alike. Subscribing again to a story already followed replaces the subscription. At most 100 stories per connection.",
        reply: 'subscribeAck',
      }),
      unsubscribe: operation('receive', 'socket', 'unsubscribe', {
        summary: 'A reader stops following a story; the ack is optional.',
        reply: 'unsubscribeAck',
      }),
      pushSnapshot: operation('send', 'socket', 'snapshot'),
      pushEvent: operation('send', 'socket', 'event'),
      pushAudience: operation('send', 'socket', 'audience', {
        summary: 'At most every 2 s, and only when the count changed.',
      }),
      pushRevoked: operation('send', 'socket', 'revoked', {
        summary: "The reader's token expired: its private stories stop; public ones go on.",
      }),
      pushReconnect: operation('send', 'socket', 'reconnect', {
        summary:
          'The instance is shutting down and closes the connection next: reconnect and resubscribe with `since`.',
      }),
    },
    components: {
      messages: {
        report: message(
          'report',
          'A report filed about a story.',
          ref('schemas/report.schema.json'),
          {
            headers: {
              type: 'object',
              properties: {
                'Nats-Msg-Id': {
                  type: 'string',
                  description:
                    "the report's `id`, so that JetStream drops a re-publish within its duplicate window",
                },
              },
            },
          },
        ),
        event: message('event', 'One committed event.', ref('schemas/event.schema.json'), {
          headers: {
            type: 'object',
            properties: {
              'Nats-Msg-Id': {
                type: 'string',
                description:
                  '`<storyId>:<version>` (on NATS only): a re-publish after a crash is dropped',
              },
            },
          },
        }),
        pushedEvent: message(
          'event',
          'One event: exactly one version after the last one sent for the story.',
          ref('schemas/event.schema.json'),
        ),
        rejection: message(
          'rejection',
          'Why a report was not accepted.',
          ref('schemas/rejection.schema.json'),
        ),
        audienceAnnouncement: message(
          'audience',
          "One gateway instance's subscriber counts; `gone: true` is its last word before it stops.",
          jsonSchemaOf(audienceAnnouncementSchema),
        ),
        subscribe: message('subscribe', 'Follow a story.', jsonSchemaOf(subscribeRequestSchema)),
        subscribeAck: message(
          'subscribe (ack)',
          'The answer to `subscribe`.',
          jsonSchemaOf(subscribeAckSchema),
        ),
        unsubscribe: message(
          'unsubscribe',
          'Stop following a story.',
          jsonSchemaOf(unsubscribeRequestSchema),
        ),
        unsubscribeAck: message(
          'unsubscribe (ack)',
          'The answer to `unsubscribe`.',
          jsonSchemaOf(unsubscribeAckSchema),
        ),
        snapshot: message(
          'snapshot',
          "The story's whole state at `version`; replaces what the reader held.",
          {
            type: 'object',
            properties: {
              storyId: { type: 'string' },
              version: { type: 'integer', minimum: 1 },
              story: ref('schemas/story-state.schema.json'),
            },
            required: ['storyId', 'version', 'story'],
          },
        ),
        audience: message(
          'audience',
          'How many readers follow the story.',
          jsonSchemaOf(audienceMessageSchema),
        ),
        revoked: message(
          'revoked',
          'A private story withdrawn from this connection.',
          jsonSchemaOf(revokedMessageSchema),
        ),
        reconnect: message(
          'reconnect',
          'Go to another instance.',
          jsonSchemaOf(reconnectMessageSchema),
        ),
      },
    },
  };
}

/** A NATS channel of the document: its subject (with its parameters), what it is, its one message. */
function natsChannel(
  address: string,
  title: string,
  description: string,
  name: string,
  message: string,
): JsonObject {
  const parameters: JsonObject = { root: rootParameter };
  if (address.includes('{storyId}')) parameters.storyId = storyIdParameter;
  return {
    address,
    title,
    description,
    parameters,
    servers: [ref('#/servers/nats')],
    messages: { [name]: msg(message) },
  };
}
