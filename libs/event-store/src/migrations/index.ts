import { CreateEventLog1764000000001 } from './1764000000001-create-event-log';
import { CreateStoryProjections1764000000002 } from './1764000000002-create-story-projections';
import { CreateReportOutcomes1764000000003 } from './1764000000003-create-report-outcomes';
import { CreateStoryFiling1764000000004 } from './1764000000004-create-story-filing';
import { VersionEventSchemasAndCiteSources1764000000005 } from './1764000000005-version-event-schemas-and-cite-sources';
import { CreateStorySnapshots1764000000006 } from './1764000000006-create-story-snapshots';

export {
  CreateEventLog1764000000001,
  CreateReportOutcomes1764000000003,
  CreateStoryFiling1764000000004,
  CreateStoryProjections1764000000002,
  VersionEventSchemasAndCiteSources1764000000005,
  CreateStorySnapshots1764000000006,
};

/** Every migration, oldest first. New ones are appended here with a name that says what changed. */
export const EVENT_STORE_MIGRATIONS = [
  CreateEventLog1764000000001,
  CreateStoryProjections1764000000002,
  CreateReportOutcomes1764000000003,
  CreateStoryFiling1764000000004,
  VersionEventSchemasAndCiteSources1764000000005,
  CreateStorySnapshots1764000000006,
] as const;
