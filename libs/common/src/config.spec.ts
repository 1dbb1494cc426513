import { ConfigError, loadConfig, subjectsFor } from './config';

describe('loadConfig', () => {
  it('gives the defaults of docs/protocol.md, "Configuration" for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NATS_URL: 'nats://127.0.0.1:4222',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/livefeed',
      LIVEFEED_SUBJECT_ROOT: 'livefeed',
      GATEWAY_PORT: 3000,
      INGEST_PORT: 3001,
      LIVEFEED_PUBLISH_TOKENS: [],
      LIVEFEED_READER_SECRET: '',
      LIVEFEED_INGEST_BATCH: 500,
      LIVEFEED_INGEST_LANES: 4,
      LIVEFEED_NATS_INBOX_PREFIX: '_INBOX',
      LIVEFEED_HTTP_HEADERS_TIMEOUT_MS: 10_000,
      LIVEFEED_HTTP_REQUEST_TIMEOUT_MS: 30_000,
      LIVEFEED_HTTP_KEEPALIVE_TIMEOUT_MS: 5_000,
      LIVEFEED_MAX_CONNECTIONS_PER_IP: 0,
      LIVEFEED_SNAPSHOT_EVERY: 100,
    });
  });

  it.each([
    // Streams: once on one server, up to 5 times on a cluster (docs/cluster.md).
    { name: 'LIVEFEED_STREAM_REPLICAS', byDefault: 1, asked: 3, bad: ['0', '6', '2.5', 'three'] },
    // Listening sockets on the gateway's port (libs/common/src/http/listen.ts).
    { name: 'LIVEFEED_GATEWAY_LISTENERS', byDefault: 16, asked: 1, bad: ['0', '65', '1.5', 'all'] },
  ] as const)('gives $name $byDefault by default, takes $asked, refuses $bad', (c) => {
    expect(loadConfig({})[c.name]).toBe(c.byDefault);
    expect(loadConfig({ [c.name]: String(c.asked) })[c.name]).toBe(c.asked);
    for (const bad of c.bad)
      expect(() => loadConfig({ [c.name]: bad })).toThrow(new RegExp(c.name));
  });

  it('leaves the heartbeat to the gateway unless it is set', () => {
    expect(loadConfig({}).LIVEFEED_PING_TIMEOUT_MS).toBeUndefined();
    const config = loadConfig({
      LIVEFEED_PING_INTERVAL_MS: '5000',
      LIVEFEED_PING_TIMEOUT_MS: '20000',
    });
    expect([config.LIVEFEED_PING_INTERVAL_MS, config.LIVEFEED_PING_TIMEOUT_MS]).toEqual([
      5000, 20_000,
    ]);
  });

  it('reads lists, numbers and names', () => {
    const config = loadConfig({
      LIVEFEED_PUBLISH_TOKENS: ' a, b ,,c ',
      INGEST_PORT: '0',
      LIVEFEED_INGEST_LANES: '8',
      LIVEFEED_SUBJECT_ROOT: 'test_root-1',
    });
    expect(config.LIVEFEED_PUBLISH_TOKENS).toEqual(['a', 'b', 'c']);
    expect(config.INGEST_PORT).toBe(0);
    expect(config.LIVEFEED_INGEST_LANES).toBe(8);
    expect(config.LIVEFEED_SUBJECT_ROOT).toBe('test_root-1');
  });

  it.each([
    ['GATEWAY_PORT', '70000'],
    ['GATEWAY_PORT', 'http'],
    ['INGEST_PORT', '-1'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['LIVEFEED_SUBJECT_ROOT', 'Has.Dots'],
    ['LIVEFEED_SUBJECT_ROOT', 'a>'],
    ['LIVEFEED_SUBJECT_ROOT', ''],
    ['LIVEFEED_INGEST_BATCH', '0'],
    ['LIVEFEED_INGEST_BATCH', '1.5'],
    ['LIVEFEED_INGEST_LANES', '0'],
    ['LIVEFEED_INGEST_LANES', '33'],
    ['LIVEFEED_ACK_WAIT_MS', '10'],
    ['LIVEFEED_LOG_LEVEL', 'loud'],
    ['LIVEFEED_NATS_INBOX_PREFIX', '_INBOX.ingest'],
    ['LIVEFEED_NATS_INBOX_PREFIX', '>'],
    ['LIVEFEED_HTTP_HEADERS_TIMEOUT_MS', '0'],
    ['LIVEFEED_HTTP_REQUEST_TIMEOUT_MS', 'soon'],
    ['LIVEFEED_MAX_CONNECTIONS_PER_IP', '-1'],
    ['LIVEFEED_PING_INTERVAL_MS', '100'],
    ['LIVEFEED_PING_TIMEOUT_MS', 'long'],
    ['LIVEFEED_SNAPSHOT_EVERY', '9'],
    ['LIVEFEED_SNAPSHOT_EVERY', '100.5'],
    ['LIVEFEED_SNAPSHOT_EVERY', '100001'],
    ['LIVEFEED_SNAPSHOT_EVERY', 'often'],
  ])('refuses %s=%j with an error naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(
      new RegExp(`^invalid configuration:\\n  ${name}: `),
    );
  });

  it('names every bad variable at once, one per line', () => {
    let message = '';
    try {
      loadConfig({ GATEWAY_PORT: 'x', LIVEFEED_INGEST_LANES: '-2' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n').slice(1).sort()).toEqual([
      expect.stringMatching(/^ {2}GATEWAY_PORT: /),
      expect.stringMatching(/^ {2}LIVEFEED_INGEST_LANES: /),
    ]);
  });
});

describe('subjectsFor', () => {
  it('derives stream names and subjects from the root', () => {
    const s = subjectsFor('news-room');
    expect(s.reportsStream).toBe('NEWS_ROOM_REPORTS');
    expect(s.eventsStream).toBe('NEWS_ROOM_EVENTS');
    expect(s.reports('s1')).toBe('news-room.reports.s1');
    expect(s.events('s1')).toBe('news-room.events.s1');
    expect(s.rejections('s1')).toBe('news-room.rejections.s1');
    expect(s.reportsAll).toBe('news-room.reports.>');
  });
});
