/** docs/openapi.json: the HTTP routes of both apps. Bodies and parameters come from the zod schemas. */
import { z } from 'zod';
import { HTTP_ERROR_STATUS, type HttpErrorCode } from '@livefeed/common';
import { ENTRY_ID, LIMITS, reportIdSchema, reportSchema, storyIdSchema } from '@livefeed/domain';
import {
  eventsQuerySchema,
  MAX_ENTRIES_PAGE,
  MAX_PAGE,
  storyQuerySchema,
} from '../../apps/gateway/src/read-api/read-params.schema';
import { jsonSchemaOf, type JsonObject } from './json';
import {
  acceptedSchema,
  entryHistorySchema,
  httpErrorBodySchema,
  queuedSchema,
  rejectedSchema,
  reportStatusSchema,
  storySummarySchema,
} from './shapes';

const ref = (to: string) => ({ $ref: to });
const json = (schema: JsonObject) => ({ content: { 'application/json': { schema } } });
const GATEWAY = [{ url: 'http://localhost:3000', description: 'gateway (`GATEWAY_PORT`)' }];
const INGEST = [{ url: 'http://localhost:3001', description: 'ingest (`INGEST_PORT`)' }];

const ERROR_WHEN: Record<HttpErrorCode, string> = {
  invalid: 'A parameter or the body fails validation (see `fields`), or the request is malformed.',
  unauthorized: 'No valid publisher token (`WWW-Authenticate: Bearer`).',
  forbidden: 'A private story, without a reader token that grants it.',
  'not-found': 'No such story, entry, asset or route.',
  timeout: 'The request took too long to arrive.',
  'payload-too-large': `The body is too large (a report: over ${LIMITS.reportBytes} bytes).`,
  'too-many-connections':
    'The client address holds `LIVEFEED_MAX_CONNECTIONS_PER_IP` connections already; answered on the connection, then closed.',
  'header-too-large': 'The request headers are over 16 KiB.',
  internal: 'A bug; logged, with no detail in the answer.',
  unavailable: 'PostgreSQL or JetStream cannot serve it now (`Retry-After: 1`).',
};
const errors = (...codes: HttpErrorCode[]) =>
  Object.fromEntries(
    codes.map((code) => [String(HTTP_ERROR_STATUS[code]), ref(`#/components/responses/${code}`)]),
  );

function query(name: string, schema: z.ZodType, description: string): JsonObject {
  return { name, in: 'query', required: false, description, schema: jsonSchemaOf(schema) };
}
function path(name: string, schema: z.ZodType, description: string): JsonObject {
  return { name, in: 'path', required: true, description, schema: jsonSchemaOf(schema) };
}
const storyId = path('id', storyIdSchema, 'the story id');
const readerSecurity: JsonObject[] = [{}, { readerToken: [] }, { readerTokenQuery: [] }];
const publisherSecurity: JsonObject[] = [{ publisherToken: [] }];

/** The write API's request body: a report whose `storyId` may be left out (the URL's is used). */
function filedReport(): JsonObject {
  return {
    description: "A report; `storyId` may be omitted, and must equal the URL's when given.",
    oneOf: reportSchema.options.map((member) => {
      const report: z.ZodObject = member;
      return { title: member.shape.type.value, ...jsonSchemaOf(report.partial({ storyId: true })) };
    }),
  };
}

const html = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});

export function openApiDocument(version: string): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'livefeed HTTP',
      version,
      description:
        'The read API and pages of the gateway, the write API of ingest, and the health and metrics routes of both. Every error is `{ "error": { "code", "message", "fields"? } }` with `Cache-Control: no-store`; the write API\'s 201/202/422 outcome bodies are not errors. The prose reference is docs/protocol.md.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [...GATEWAY, ...INGEST],
    paths: {
      '/api/stories': {
        servers: GATEWAY,
        get: {
          operationId: 'listStories',
          summary: 'Public stories, live first, then by the latest update, newest first.',
          responses: {
            200: {
              description: 'The list (`Cache-Control: no-cache`).',
              ...json({ type: 'array', items: ref('#/components/schemas/StorySummary') }),
            },
            ...errors('unavailable'),
          },
        },
      },
      '/api/stories/{id}': {
        servers: GATEWAY,
        get: {
          operationId: 'getStory',
          summary: "A story's state, now or at a point in its past.",
          security: readerSecurity,
          parameters: [
            storyId,
            query(
              'at',
              storyQuerySchema.shape.at,
              'A version (digits; beyond the head answers the head), or an ISO-8601 instant with a time zone: the state after the last event recorded at or before it.',
            ),
            query(
              'entries',
              storyQuerySchema.shape.entries,
              `pages the entries: at most this many (1 to ${MAX_ENTRIES_PAGE}), newest first; the answer then has \`next\``,
            ),
            query(
              'after',
              storyQuerySchema.shape.after,
              'with `entries`: the entries after this one (the next, older page); 404 when the state has no such entry',
            ),
            query(
              'only',
              storyQuerySchema.shape.only,
              'with `entries`: only the pinned and the breaking entries',
            ),
          ],
          responses: {
            200: {
              description:
                'The state. `?at=<version>` answers are immutable. With `entries`, `entries` holds that page only and `next` names the last entry of the page when older ones follow (null at the end).',
              ...json(ref('schemas/story-state.schema.json')),
            },
            ...errors('invalid', 'forbidden', 'not-found', 'unavailable'),
          },
        },
      },
      '/api/stories/{id}/events': {
        servers: GATEWAY,
        get: {
          operationId: 'listEvents',
          summary: "A page of a story's events, in version order.",
          security: readerSecurity,
          parameters: [
            storyId,
            query(
              'after',
              eventsQuerySchema.shape.after,
              'the last version already held (default 0)',
            ),
            query(
              'limit',
              eventsQuerySchema.shape.limit,
              `events per page, 1 to ${MAX_PAGE} (default 100)`,
            ),
          ],
          responses: {
            200: {
              description: 'The page. One with `next` not null is immutable.',
              ...json({
                type: 'object',
                properties: {
                  events: { type: 'array', items: ref('schemas/event.schema.json') },
                  next: {
                    type: ['integer', 'null'],
                    description: 'the last version returned when more follow; null at the head',
                  },
                },
                required: ['events', 'next'],
              }),
            },
            ...errors('invalid', 'forbidden', 'not-found', 'unavailable'),
          },
        },
      },
      '/api/stories/{id}/entries/{entryId}/history': {
        servers: GATEWAY,
        get: {
          operationId: 'entryHistory',
          summary: 'Every event that touched one entry, oldest first, with its body after each.',
          security: readerSecurity,
          parameters: [storyId, path('entryId', z.string().regex(ENTRY_ID), 'the entry id')],
          responses: {
            200: {
              description: 'The revisions (`Cache-Control: no-cache`: an entry can still change).',
              ...json(jsonSchemaOf(entryHistorySchema)),
            },
            ...errors('invalid', 'forbidden', 'not-found', 'unavailable'),
          },
        },
      },
      '/': {
        servers: GATEWAY,
        get: { operationId: 'storyListPage', responses: { 200: html('The public story list.') } },
      },
      '/stories/{id}': {
        servers: GATEWAY,
        get: {
          operationId: 'readerPage',
          summary:
            "A story's page, rendered on the server (readable without script, with schema.org LiveBlogPosting JSON-LD), then live from the version rendered.",
          parameters: [
            { ...storyId, description: 'the story id (a malformed one is a 404 page)' },
            query(
              'at',
              storyQuerySchema.shape.at,
              'the archived view: the page as readers saw it at that version or instant, not live',
            ),
            query(
              'after',
              storyQuerySchema.shape.after,
              'a page of the older posts after this entry, for readers without script; not live',
            ),
          ],
          responses: {
            200: html('The page, with a strict Content-Security-Policy.'),
            400: html('A malformed `at` or `after` (an HTML page).'),
            404: html('No such story, or it did not exist yet at `at` (an HTML page).'),
          },
        },
      },
      '/embed.js': {
        servers: GATEWAY,
        get: {
          operationId: 'embedScript',
          summary:
            'Defines the custom element `<livefeed-story story="<id>">`: the live story in its own shadow root, on any site allowed by `LIVEFEED_ALLOWED_ORIGINS`.',
          responses: {
            200: { description: 'The script (`Cross-Origin-Resource-Policy: cross-origin`).' },
            ...errors('not-found'),
          },
        },
      },
      '/assets/{file}': {
        servers: GATEWAY,
        get: {
          operationId: 'clientBundle',
          summary: "The browser bundles, once built: the subscriber SDK, the pages' script and stylesheet.",
          parameters: [
            {
              name: 'file',
              in: 'path',
              required: true,
              schema: {
                type: 'string',
                enum: [
                  'livefeed-client.js',
                  'livefeed-client.js.map',
                  'livefeed-client.mjs',
                  'livefeed-client.mjs.map',
                  'reader.js',
                  'reader.js.map',
                  'embed.js',
                  'embed.js.map',
                  'pages.css',
                ],
              },
            },
          ],
          responses: {
            200: { description: 'The file (`Cache-Control: public, max-age=300`).' },
            ...errors('not-found'),
          },
        },
      },
      '/api/stories/{id}/reports': {
        servers: INGEST,
        post: {
          operationId: 'fileReport',
          summary: 'File a report: it is published to the reports stream like any other.',
          security: publisherSecurity,
          parameters: [
            storyId,
            query(
              'wait',
              z.string().regex(/^\d+(\.\d+)?$/),
              'seconds, 0 to 30: wait that long for the outcome',
            ),
          ],
          requestBody: { required: true, ...json(ref('#/components/schemas/FiledReport')) },
          responses: {
            201: {
              description: 'Accepted (with `?wait=`): the event is committed.',
              ...json(jsonSchemaOf(acceptedSchema)),
            },
            202: {
              description: 'Queued: JetStream holds the report (also when `?wait=` ran out first).',
              ...json(jsonSchemaOf(queuedSchema)),
            },
            422: {
              description: 'Rejected (with `?wait=`).',
              ...json(jsonSchemaOf(rejectedSchema)),
            },
            ...errors('invalid', 'unauthorized', 'payload-too-large', 'unavailable'),
          },
        },
      },
      '/api/reports/{reportId}': {
        servers: INGEST,
        get: {
          operationId: 'reportOutcome',
          summary: 'What became of a report.',
          security: publisherSecurity,
          parameters: [path('reportId', reportIdSchema, 'the report id')],
          responses: {
            200: {
              description: 'Its recorded outcome, or `unknown`.',
              ...json(jsonSchemaOf(reportStatusSchema)),
            },
            ...errors('invalid', 'unauthorized', 'unavailable'),
          },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary:
            'Both apps: 200 when PostgreSQL and NATS answer (and a gateway is not shutting down).',
          responses: {
            200: {
              description: 'Healthy: the per-probe report (`status`, `info`, `details`).',
              ...json({ type: 'object' }),
            },
            503: {
              description:
                'Unhealthy: the per-probe report, and in `error` the error body naming the failed probes.',
              ...json({
                type: 'object',
                properties: { error: jsonSchemaOf(httpErrorBodySchema.shape.error) },
              }),
            },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Both apps: Prometheus text.',
          responses: {
            200: {
              description: 'The metrics.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        FiledReport: filedReport(),
        StorySummary: jsonSchemaOf(storySummarySchema),
        ErrorBody: jsonSchemaOf(httpErrorBodySchema),
      },
      responses: Object.fromEntries(
        (Object.keys(HTTP_ERROR_STATUS) as HttpErrorCode[]).map((code) => [
          code,
          {
            description: `\`${code}\`: ${ERROR_WHEN[code]}`,
            ...json(ref('#/components/schemas/ErrorBody')),
          },
        ]),
      ),
      securitySchemes: {
        publisherToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'one of `LIVEFEED_PUBLISH_TOKENS`',
        },
        readerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'HS256 with `LIVEFEED_READER_SECRET`, claim `stories: [ids]`; needed only for private stories',
        },
        readerTokenQuery: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description: 'the reader token as `?token=`',
        },
      },
    },
  };
}
