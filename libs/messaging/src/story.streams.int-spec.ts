import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { ensureStreams } from './story.streams';
import { openTestNats, type TestNats } from './testing/nats.fixture';

describe('ensureStreams', () => {
  let t: TestNats;
  beforeEach(async () => {
    t = await openTestNats();
  });
  afterEach(() => t.close());

  it('creates the reports stream capturing <root>.reports.> on file storage with a duplicate window', async () => {
    await ensureStreams(t.nc, t.subjects);

    const { config } = await t.jsm.streams.info(t.subjects.reportsStream);
    expect(config.name).toBe(`${t.subjects.root.toUpperCase()}_REPORTS`);
    expect(config.subjects).toEqual([`${t.subjects.root}.reports.>`]);
    expect(config.storage).toBe(StorageType.File);
    expect(config.retention).toBe(RetentionPolicy.Limits);
    expect(config.duplicate_window).toBe(nanos(120_000));
    expect(config.max_age).toBe(0);
  });

  it('creates the events stream capturing <root>.events.> kept for 7 days', async () => {
    await ensureStreams(t.nc, t.subjects);

    const { config } = await t.jsm.streams.info(t.subjects.eventsStream);
    expect(config.name).toBe(`${t.subjects.root.toUpperCase()}_EVENTS`);
    expect(config.subjects).toEqual([`${t.subjects.root}.events.>`]);
    expect(config.storage).toBe(StorageType.File);
    expect(config.max_age).toBe(nanos(7 * 24 * 3600 * 1000));
    expect(config.duplicate_window).toBe(nanos(120_000));
  });

  it('is idempotent when two processes ensure the streams at the same moment', async () => {
    const other = await t.connect('second-process');

    await Promise.all([
      ensureStreams(t.nc, t.subjects),
      ensureStreams(other, t.subjects),
      ensureStreams(t.nc, t.subjects),
    ]);
    await ensureStreams(other, t.subjects);

    const names: string[] = [];
    for await (const name of t.jsm.streams.names(`${t.subjects.root}.>`)) names.push(name);
    expect(names.sort()).toEqual([t.subjects.eventsStream, t.subjects.reportsStream]);
  });

  it('brings an existing stream up to new settings, also when two processes race', async () => {
    await ensureStreams(t.nc, t.subjects);
    const other = await t.connect('second-process');

    const settings = { eventsMaxAgeMs: 3_600_000, duplicateWindowMs: 60_000 };
    await Promise.all([
      ensureStreams(t.nc, t.subjects, settings),
      ensureStreams(other, t.subjects, settings),
    ]);

    const { config } = await t.jsm.streams.info(t.subjects.eventsStream);
    expect(config.max_age).toBe(nanos(3_600_000));
    expect(config.duplicate_window).toBe(nanos(60_000));
  });

  it('keeps the duplicate window inside a short events max age', async () => {
    await ensureStreams(t.nc, t.subjects, { eventsMaxAgeMs: 30_000 });

    const { config } = await t.jsm.streams.info(t.subjects.eventsStream);
    expect(config.duplicate_window).toBe(nanos(30_000));
  });
});
