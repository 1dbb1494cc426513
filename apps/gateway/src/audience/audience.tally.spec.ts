import { AudienceTally } from './audience.tally';

describe('the audience tally', () => {
  it('adds what other instances last announced to the local count', () => {
    const tally = new AudienceTally('me', 5000);
    tally.receive({ instance: 'b', counts: { s: 2 } }, 0);
    tally.receive({ instance: 'c', counts: { s: 3, t: 1 } }, 0);
    tally.receive({ instance: 'b', counts: { s: 4 } }, 100);
    expect(tally.total('s', 1, 200)).toBe(8);
    expect(tally.total('t', 0, 200)).toBe(1);
  });

  it('ignores its own announcements and malformed ones', () => {
    const tally = new AudienceTally('me', 5000);
    expect(tally.receive({ instance: 'me', counts: { s: 9 } }, 0)).toBe(false);
    expect(tally.receive({ instance: 'x', counts: { s: -1 } }, 0)).toBe(false);
    expect(tally.receive({ instance: 'x', counts: { 'Bad Id': 1 } }, 0)).toBe(false);
    expect(tally.receive({ counts: { s: 1 } }, 0)).toBe(false);
    expect(tally.receive('junk', 0)).toBe(false);
    expect(tally.total('s', 0, 0)).toBe(0);
  });

  it('forgets an instance not heard from in time, and one that said goodbye at once', () => {
    const tally = new AudienceTally('me', 1000);
    tally.receive({ instance: 'b', counts: { s: 2 } }, 0);
    tally.receive({ instance: 'c', counts: { s: 3 } }, 0);
    expect(tally.total('s', 0, 1000)).toBe(5);
    tally.receive({ instance: 'c', counts: {}, gone: true }, 10);
    expect(tally.total('s', 0, 1000)).toBe(2);
    expect(tally.total('s', 0, 1001)).toBe(0);
    tally.prune(1001);
    expect(tally.instances).toBe(0);
  });
});
