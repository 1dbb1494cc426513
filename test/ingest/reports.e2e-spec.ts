import { expectEventually } from '@livefeed/common/testing';
import type { Msg, Subscription } from '@nats-io/nats-core';
import { type AppProcess, startApp } from '../support/processes';
import { isolatedWorld, type RawReport } from '../support/livefeed';

jest.setTimeout(60_000);

type World = Awaited<ReturnType<typeof isolatedWorld>>;
let world: World;
let ingest: AppProcess;
let sub: Subscription;
const rejections: Array<Record<string, unknown>> = [];
const enc = new TextEncoder();

beforeAll(async () => {
  world = await isolatedWorld();
  ingest = await startApp('ingest', world.env);
  sub = world.nc.subscribe(world.subjects.rejectionsAll, {
    callback: (_e: Error | null, m: Msg) => rejections.push(m.json<Record<string, unknown>>()),
  });
});
afterAll(async () => {
  sub?.unsubscribe();
  await ingest?.stop();
  await world?.close();
});

const report = (storyId: string, id: string, type: string, data: object): RawReport => ({
  id,
  storyId,
  type,
  author: 'desk:test',
  occurredAt: '2026-11-24T08:15:00Z',
  data,
});
const rejectionOf = (reportId: string) =>
  expectEventually(() => {
    const r = rejections.find((x) => x.reportId === reportId);
    if (!r) throw new Error(`no rejection for ${reportId} yet`);
    return r;
  });
const outcomeOf = async (reportId: string) =>
  expectEventually(async () => {
    const o = await (await world.store()).getOutcome(reportId);
    if (!o) throw new Error(`${reportId} not decided yet`);
    return o;
  });

describe('a story told through every report type', () => {
  it('becomes one event per report, versions 1..n, and the state of docs/protocol.md, "Story state"', async () => {
    const s = 'every-type';
    await world.publish([
      report(s, 'a1', 'story.opened', { title: 'Every type', summary: 'all of them' }),
      report(s, 'a2', 'story.updated', { title: 'Every type, updated' }),
      report(s, 'a3', 'entry.posted', {
        entryId: 'e1',
        body: '<p onclick="x()">Hello <script>alert(1)</script><a href="javascript:alert(1)">link</a></p>',
        kind: 'breaking',
        source: { name: 'Wire', url: 'https://wire.example/1' },
      }),
      report(s, 'a4', 'entry.edited', {
        entryId: 'e1',
        body: '<p>Hello again</p>',
        correction: 'Fixed a name',
      }),
      report(s, 'a5', 'entry.pinned', { entryId: 'e1' }),
      report(s, 'a6', 'entry.unpinned', { entryId: 'e1' }),
      report(s, 'a7', 'entry.posted', { entryId: 'e2', body: '<p>Second</p>' }),
      report(s, 'a8', 'entry.retracted', { entryId: 'e2', reason: 'Unverified' }),
      report(s, 'a9', 'figure.reported', {
        figureId: 'deaths',
        label: 'Killed',
        value: 13,
        source: { name: 'Ministry' },
      }),
      report(s, 'a10', 'story.closed', { note: 'Live coverage ended' }),
      report(s, 'a11', 'story.reopened', {}),
    ]);
    await outcomeOf('a11');
    const events = await (await world.store()).readEvents(s, 0, 100);
    expect(events.map((e) => [e.version, e.type, e.reportId])).toEqual([
      [1, 'story.opened', 'a1'],
      [2, 'story.updated', 'a2'],
      [3, 'entry.posted', 'a3'],
      [4, 'entry.edited', 'a4'],
      [5, 'entry.pinned', 'a5'],
      [6, 'entry.unpinned', 'a6'],
      [7, 'entry.posted', 'a7'],
      [8, 'entry.retracted', 'a8'],
      [9, 'figure.reported', 'a9'],
      [10, 'story.closed', 'a10'],
      [11, 'story.reopened', 'a11'],
    ]);
    const posted = events[2].data as { body: string };
    expect(posted.body).not.toMatch(/script|onclick|javascript/i);
    const story = await (await world.store()).getStory(s);
    expect(story).toMatchObject({
      id: s,
      title: 'Every type, updated',
      status: 'live',
      version: 11,
    });
    expect(
      story!.entries.map((e) => [e.entryId, e.body === null, e.retracted?.reason ?? null]),
    ).toEqual([
      ['e2', true, 'Unverified'],
      ['e1', false, null],
    ]);
    expect(story!.entries[1].corrections).toEqual([
      { note: 'Fixed a name', at: '2026-11-24T08:15:00.000Z' },
    ]);
    expect(story!.figures[0].bySource).toEqual([
      {
        source: { name: 'Ministry' },
        value: 13,
        qualifier: 'exact',
        reportedAt: '2026-11-24T08:15:00.000Z',
      },
    ]);
    await world.checkLog();
  });

  it('publishes each committed event on <root>.events.<storyId> with its version', async () => {
    const s = 'published';
    const seen: number[] = [];
    const sub = world.nc.subscribe(world.subjects.events(s), {
      callback: (_e: Error | null, m: Msg) => seen.push(m.json<{ version: number }>().version),
    });
    await world.publish([
      report(s, 'p1', 'story.opened', { title: 'Published' }),
      report(s, 'p2', 'entry.posted', { entryId: 'e1', body: '<p>x</p>' }),
    ]);
    await expectEventually(() => expect(seen).toEqual([1, 2]));
    sub.unsubscribe();
  });
});

describe('rejections', () => {
  const s = 'rejects';
  beforeAll(async () => {
    await world.publish([
      report(s, 'r-open', 'story.opened', { title: 'Rejects' }),
      report(s, 'r-post', 'entry.posted', { entryId: 'e1', body: '<p>one</p>' }),
      report(s, 'r-post2', 'entry.posted', { entryId: 'gone', body: '<p>two</p>' }),
      report(s, 'r-retract', 'entry.retracted', { entryId: 'gone', reason: 'wrong' }),
      report(s, 'r-pin', 'entry.pinned', { entryId: 'e1' }),
    ]);
    await outcomeOf('r-pin');
  });

  it.each([
    [
      'unknown-story',
      report('nowhere', 'x-unknown-story', 'entry.posted', { entryId: 'e1', body: '<p>x</p>' }),
    ],
    ['story-exists', report(s, 'x-story-exists', 'story.opened', { title: 'Again' })],
    [
      'entry-exists',
      report(s, 'x-entry-exists', 'entry.posted', { entryId: 'e1', body: '<p>dup</p>' }),
    ],
    [
      'entry-retracted',
      report(s, 'x-entry-retracted', 'entry.edited', { entryId: 'gone', body: '<p>y</p>' }),
    ],
    ['no-change', report(s, 'x-no-change', 'entry.pinned', { entryId: 'e1' })],
    ['no-change', report(s, 'x-empty-update', 'story.updated', {})],
    ['invalid', report(s, 'x-invalid', 'entry.posted', { entryId: 'e 1', body: '' })],
  ])('answers %s, published and recorded', async (code, r) => {
    await world.publish([r]);
    expect(await rejectionOf(r.id)).toMatchObject({
      reportId: r.id,
      code,
      message: expect.any(String),
    });
    expect(await outcomeOf(r.id)).toMatchObject({ status: 'rejected', code });
  });

  it('answers story-closed to a post in a closed story', async () => {
    await world.publish([
      report('closing', 'c1', 'story.opened', { title: 'Closing' }),
      report('closing', 'c2', 'story.closed', {}),
      report('closing', 'c3', 'entry.posted', { entryId: 'e1', body: '<p>late</p>' }),
    ]);
    expect(await rejectionOf('c3')).toMatchObject({ code: 'story-closed' });
  });

  it('answers unknown-entry only after retrying a report whose entry never comes', async () => {
    await world.publish([
      report(s, 'x-unknown-entry', 'entry.edited', { entryId: 'never', body: '<p>z</p>' }),
    ]);
    expect(await rejectionOf('x-unknown-entry')).toMatchObject({ code: 'unknown-entry' });
  });

  it('applies an edit that arrived just before its post once the post lands', async () => {
    await world.publish([
      report(s, 'early-edit', 'entry.edited', { entryId: 'late', body: '<p>edited</p>' }),
    ]);
    await expectEventually(async () => {
      const received = await world.sql(
        `SELECT 1 FROM report_outcomes WHERE report_id = 'early-edit'`,
      );
      expect(received).toEqual([]);
    });
    await world.publish([
      report(s, 'late-post', 'entry.posted', { entryId: 'late', body: '<p>first</p>' }),
    ]);
    expect(await outcomeOf('early-edit')).toMatchObject({ status: 'accepted' });
    const story = await (await world.store()).getStory(s);
    expect(story!.entries.find((e) => e.entryId === 'late')!.body).toBe('<p>edited</p>');
  });
});

describe('an entry citing sources', () => {
  const s = 'citing';
  const wire = { name: 'Wire', url: 'https://wire.example/1' };
  const ministry = { name: 'Ministry' };

  it('is posted from a report of the older shape (one source) as from one of today’s', async () => {
    const events: Array<{ version: number; data: Record<string, unknown> }> = [];
    const sub = world.nc.subscribe(world.subjects.events(s), {
      callback: (_e: Error | null, m: Msg) => events.push(m.json()),
    });
    await world.publish([
      report(s, 'cite-1', 'story.opened', { title: 'Citing' }),
      report(s, 'cite-2', 'entry.posted', { entryId: 'old', body: '<p>old</p>', source: wire }),
      report(s, 'cite-3', 'entry.posted', {
        entryId: 'new',
        body: '<p>new</p>',
        sources: [ministry, wire],
      }),
      report(s, 'cite-4', 'entry.posted', { entryId: 'none', body: '<p>none</p>' }),
    ]);
    await outcomeOf('cite-4');
    await expectEventually(() => expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4]));
    sub.unsubscribe();
    const stored = await (await world.store()).readEvents(s, 0, 10);
    const posted = stored.slice(1).map((e) => e.data);
    expect(posted).toStrictEqual([
      { entryId: 'old', body: '<p>old</p>', kind: 'update', sources: [wire] },
      { entryId: 'new', body: '<p>new</p>', kind: 'update', sources: [ministry, wire] },
      { entryId: 'none', body: '<p>none</p>', kind: 'update' },
    ]);
    expect(events.slice(1).map((e) => e.data)).toStrictEqual(posted);
    const story = await (await world.store()).getStory(s);
    expect(story!.entries.map((e) => [e.entryId, e.sources, e.source])).toEqual([
      ['none', [], null],
      ['new', [ministry, wire], ministry],
      ['old', [wire], wire],
    ]);
  });

  it('is rejected as invalid when it gives both sources and the older source', async () => {
    await world.publish([
      report(s, 'cite-both', 'entry.posted', {
        entryId: 'both',
        body: '<p>both</p>',
        sources: [wire],
        source: wire,
      }),
    ]);
    expect(await rejectionOf('cite-both')).toMatchObject({
      code: 'invalid',
      fields: { 'data.source': 'give either sources or the older single source, not both' },
    });
  });
});

describe('idempotency', () => {
  it('keeps one event for one report id published twice under different Nats-Msg-Ids', async () => {
    const r = report('twice', 'tw-1', 'story.opened', { title: 'Twice' });
    const bytes = enc.encode(JSON.stringify(r));
    await world.publish([
      { subject: world.subjects.reports('twice'), bytes, msgId: 'first' },
      { subject: world.subjects.reports('twice'), bytes, msgId: 'second' },
    ]);
    await outcomeOf('tw-1');
    const marker = report('twice', 'tw-2', 'story.updated', { title: 'after' });
    await world.publish([marker]);
    await outcomeOf('tw-2');
    const rows = await world.sql(
      `SELECT version FROM events WHERE story_id = 'twice' ORDER BY version`,
    );
    expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
    expect(rejections.filter((x) => x.reportId === 'tw-1')).toEqual([]);
  });
});

describe('hostile input', () => {
  // Built while jest collects the table, before the world exists: the subject is read at publish.
  const raw = (text: string) => ({
    get subject() {
      return world.subjects.reports('hostile');
    },
    bytes: enc.encode(text),
  });

  beforeAll(async () => {
    await world.publish([report('hostile', 'h-open', 'story.opened', { title: 'Hostile' })]);
    await outcomeOf('h-open');
  });

  it.each([
    ['malformed JSON', raw('{"id": "h-bad-json", "type": '), /malformed JSON/i],
    [
      'a NUL character',
      raw(JSON.stringify(report('hostile', 'h-nul', 'story.updated', { title: 'a\u0000b' }))),
      /./,
    ],
    [
      'a lone surrogate',
      raw(
        '{"id":"h-sur","storyId":"hostile","type":"story.updated","author":"a","data":{"title":"\\ud800"}}',
      ),
      /./,
    ],
    ['100,000 levels of nesting', raw('['.repeat(100_000) + ']'.repeat(100_000)), /deep|nest/i],
    [
      'a number too large to be finite',
      raw(
        '{"id":"h-inf","storyId":"hostile","type":"figure.reported","author":"a","data":{"figureId":"f","label":"l","value":1e400,"source":{"name":"s"}}}',
      ),
      /./,
    ],
    [
      'a storyId that is not the subject',
      raw(JSON.stringify(report('elsewhere', 'h-mismatch', 'story.updated', { title: 'x' }))),
      /subject/i,
    ],
    ['an unknown type', raw(JSON.stringify(report('hostile', 'h-type', 'story.deleted', {}))), /./],
    [
      'an occurredAt in year 0, which PostgreSQL refuses',
      raw(
        JSON.stringify({
          ...report('hostile', 'h-year0', 'story.updated', { title: 'x' }),
          occurredAt: '0000-01-01T00:00:00Z',
        }),
      ),
      /occurredAt/,
    ],
    [
      'over 256 KiB',
      raw(
        JSON.stringify(report('hostile', 'h-big', 'story.updated', { title: 'x'.repeat(270_000) })),
      ),
      /bytes/i,
    ],
  ])(
    'rejects %s as invalid and keeps the reports behind it flowing',
    async (_name, bad, pattern) => {
      const before = rejections.length;
      const follower = report(
        'hostile',
        `h-after-${Math.random().toString(36).slice(2, 8)}`,
        'entry.posted',
        {
          entryId: `e${Math.random().toString(36).slice(2, 8)}`,
          body: '<p>still here</p>',
        },
      );
      await world.publish([bad]);
      await world.publish([follower]);
      expect(await outcomeOf(follower.id)).toMatchObject({ status: 'accepted' });
      const rejection = await expectEventually(() => {
        const r = rejections.slice(before).find((x) => x.code === 'invalid');
        if (!r) throw new Error('no rejection yet');
        return r;
      });
      expect(String(rejection.message)).toMatch(pattern);
      expect(String(rejection.reportId).length).toBeGreaterThan(0);
    },
  );

  it('names a report that cannot be parsed by its stream sequence', async () => {
    const before = rejections.length;
    await world.publish([raw('not json at all')]);
    const r = await expectEventually(() => {
      const hit = rejections.slice(before).find((x) => String(x.reportId).startsWith('seq:'));
      if (!hit) throw new Error('not yet');
      return hit;
    });
    expect(r).toMatchObject({ code: 'invalid', reportId: expect.stringMatching(/^seq:\d+$/) });
  });
});
