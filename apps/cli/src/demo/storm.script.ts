import type { ReportType } from '@livefeed/domain';

/** One report of the demo story, filed `at` seconds after the start (at pace 1). */
export interface DemoStep {
  readonly at: number;
  readonly type: ReportType;
  readonly author: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const desk = 'desk:coast';
const wire = 'wire:northsea-press';
const coastguard = { name: 'Kelderwick Coastguard', url: 'https://coastguard.example/kelderwick' };
const council = { name: 'Kelderwick Town Council' };
const power = { name: 'Saltmarsh Power', url: 'https://saltmarsh-power.example/outages' };
const met = { name: 'Northern Met Office', url: 'https://met.example/warnings' };
const fire = { name: 'County Fire and Rescue' };

/**
 * Storm Maren reaches Kelderwick, an invented fishing town: a fictional live story that uses every
 * report type (posts of every kind, an edit with a correction, a retraction, pin and unpin, figures
 * from several sources with qualifiers, updates, a close, a reopen and a final close). About two and
 * a half minutes at pace 1. Every report is accepted on a fresh story (storm.script.spec.ts).
 */
// One report a line: a table reads better than prettier's one field a line.
// prettier-ignore
export const STORM_SCRIPT: readonly DemoStep[] = [
  { at: 0, type: 'story.opened', author: desk, data: { title: 'Storm Maren reaches Kelderwick', summary: 'Live: gale-force winds and a high tide meet on the Kelder coast.' } },
  { at: 3, type: 'entry.posted', author: desk, data: { entryId: 'warning', kind: 'update', body: '<p>The <strong>Northern Met Office</strong> has raised its warning for the Kelder coast to red: gusts of up to 110 km/h are expected from mid-afternoon.</p>', source: met } },
  { at: 7, type: 'figure.reported', author: desk, data: { figureId: 'gust', label: 'Strongest gust', value: 96, unit: 'km/h', qualifier: 'exact', source: met } },
  { at: 11, type: 'entry.posted', author: wire, data: { entryId: 'harbour', kind: 'update', body: '<p>Fishing boats have been moved to the inner basin; the harbour master says the sea wall gates are closed.</p>' } },
  { at: 15, type: 'entry.posted', author: desk, data: { entryId: 'ferry', kind: 'breaking', body: '<p><strong>Breaking:</strong> the Kelderwick–Isle of Tarn ferry has been cancelled for the rest of the day.</p>' } },
  { at: 18, type: 'entry.pinned', author: desk, data: { entryId: 'warning' } },
  { at: 22, type: 'figure.reported', author: desk, data: { figureId: 'homes-without-power', label: 'Homes without power', value: 1200, qualifier: 'approximately', source: power } },
  { at: 26, type: 'entry.posted', author: desk, data: { entryId: 'schools', kind: 'statement', body: '<blockquote><p>All schools in Kelderwick will close at noon. Parents should collect children from the main gates.</p></blockquote>', source: council } },
  { at: 30, type: 'entry.posted', author: wire, data: { entryId: 'promenade', kind: 'update', body: '<p>Waves are breaking over the promenade railings near the lifeboat station. Police have closed Front Street.</p>' } },
  { at: 34, type: 'figure.reported', author: desk, data: { figureId: 'gust', label: 'Strongest gust', value: 104, unit: 'km/h', qualifier: 'exact', source: met } },
  { at: 37, type: 'entry.posted', author: desk, data: { entryId: 'rescue', kind: 'breaking', body: '<p><strong>Breaking:</strong> the lifeboat has been launched to a yacht dragging its anchor off Gull Point.</p>', source: coastguard } },
  { at: 41, type: 'entry.edited', author: desk, data: { entryId: 'harbour', body: '<p>Fishing boats have been moved to the inner basin; the harbour master says the flood gates on the sea wall are closed.</p>', correction: 'An earlier version said the sea wall gates; they are the flood gates on the sea wall.' } },
  { at: 45, type: 'figure.reported', author: desk, data: { figureId: 'homes-without-power', label: 'Homes without power', value: 3400, qualifier: 'at-least', source: council } },
  { at: 49, type: 'entry.posted', author: wire, data: { entryId: 'bridge', kind: 'update', body: '<p>Reports that the Tarn road bridge has collapsed are circulating on social media.</p>' } },
  { at: 53, type: 'story.updated', author: desk, data: { summary: 'Live: red warning on the Kelder coast; lifeboat launched off Gull Point, thousands without power.' } },
  { at: 57, type: 'entry.retracted', author: desk, data: { entryId: 'bridge', reason: 'The Tarn road bridge is closed but intact; the reports were wrong.' } },
  { at: 61, type: 'entry.posted', author: desk, data: { entryId: 'bridge-closed', kind: 'update', body: '<p>The Tarn road bridge is <em>closed</em> to all traffic as a precaution. It has not been damaged.</p>', source: council } },
  { at: 65, type: 'figure.reported', author: desk, data: { figureId: 'rescued', label: 'People rescued at sea', value: 2, qualifier: 'exact', source: coastguard } },
  { at: 68, type: 'entry.edited', author: desk, data: { entryId: 'rescue', body: '<p>The lifeboat has brought two sailors safely ashore from a yacht that dragged its anchor off Gull Point.</p>' } },
  { at: 72, type: 'entry.posted', author: desk, data: { entryId: 'why-high-tide', kind: 'analysis', body: '<h3>Why the tide matters</h3><p>A storm surge on top of a spring tide is what overtops sea walls: the wind alone rarely does.</p><ul><li>High tide: 16:40</li><li>Surge forecast: up to 0.8 m</li></ul>' } },
  { at: 76, type: 'figure.reported', author: desk, data: { figureId: 'homes-without-power', label: 'Homes without power', value: 4100, qualifier: 'approximately', source: power } },
  { at: 80, type: 'entry.posted', author: wire, data: { entryId: 'trees', kind: 'update', body: '<p>Fallen trees are blocking the coast road between Kelderwick and Marram Bay.</p>', source: fire } },
  { at: 84, type: 'figure.reported', author: desk, data: { figureId: 'callouts', label: 'Fire service call-outs', value: 60, qualifier: 'at-most', source: fire } },
  { at: 88, type: 'entry.unpinned', author: desk, data: { entryId: 'warning' } },
  { at: 90, type: 'entry.posted', author: desk, data: { entryId: 'surge', kind: 'breaking', body: '<p><strong>Breaking:</strong> sea water has come over the wall at Harbour Row; residents of the lowest streets are asked to move upstairs.</p>', source: council } },
  { at: 92, type: 'entry.pinned', author: desk, data: { entryId: 'surge' } },
  { at: 96, type: 'figure.reported', author: desk, data: { figureId: 'gust', label: 'Strongest gust', value: 112, unit: 'km/h', qualifier: 'exact', source: met } },
  { at: 100, type: 'figure.reported', author: desk, data: { figureId: 'gust', label: 'Strongest gust', value: 115, unit: 'km/h', qualifier: 'approximately', source: coastguard } },
  { at: 104, type: 'entry.posted', author: desk, data: { entryId: 'shelter', kind: 'statement', body: '<p>The sports hall on Mill Lane is open as a rest centre, with hot food and blankets.</p>', source: council } },
  { at: 108, type: 'figure.reported', author: desk, data: { figureId: 'evacuated', label: 'Residents at the rest centre', value: 85, qualifier: 'at-least', source: council } },
  { at: 112, type: 'entry.posted', author: wire, data: { entryId: 'tide-turns', kind: 'update', body: '<p>The tide has turned and the water at Harbour Row is going down.</p>' } },
  { at: 116, type: 'story.updated', author: desk, data: { title: 'Storm Maren: Kelderwick floods at high tide, then the water recedes' } },
  { at: 120, type: 'entry.unpinned', author: desk, data: { entryId: 'surge' } },
  { at: 123, type: 'figure.reported', author: desk, data: { figureId: 'homes-without-power', label: 'Homes without power', value: 900, qualifier: 'approximately', source: power } },
  { at: 127, type: 'story.closed', author: desk, data: { note: 'Live coverage pauses overnight.' } },
  { at: 133, type: 'story.reopened', author: desk, data: {} },
  { at: 136, type: 'entry.posted', author: desk, data: { entryId: 'morning', kind: 'update', body: '<p>Morning in Kelderwick: the clean-up has begun on Harbour Row, and the ferry will sail again at ten.</p>' } },
  { at: 140, type: 'entry.edited', author: desk, data: { entryId: 'morning', body: '<p>Morning in Kelderwick: the clean-up has begun on Harbour Row, and the ferry will sail again at eleven.</p>', correction: 'The first ferry sails at eleven, not ten.' } },
  { at: 144, type: 'figure.reported', author: desk, data: { figureId: 'homes-without-power', label: 'Homes without power', value: 150, qualifier: 'exact', source: power } },
  { at: 147, type: 'entry.posted', author: desk, data: { entryId: 'wrap', kind: 'analysis', body: '<p>Storm Maren brought the highest tide Kelderwick has seen in a decade. No one was seriously hurt.</p>' } },
  { at: 150, type: 'story.closed', author: desk, data: { note: 'This live story has ended. Thank you for following.' } },
];
