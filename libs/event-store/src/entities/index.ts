import { EntryEntity } from './entry.entity';
import { EventEntity } from './event.entity';
import { FigureClaimEntity } from './figure-claim.entity';
import { FigureEntity } from './figure.entity';
import { ReportOutcomeEntity } from './report-outcome.entity';
import { StoryEntity } from './story.entity';

export {
  EntryEntity,
  EventEntity,
  FigureClaimEntity,
  FigureEntity,
  ReportOutcomeEntity,
  StoryEntity,
};

/** Every entity of the event store, for a DataSource's `entities`. */
export const EVENT_STORE_ENTITIES = [
  EventEntity,
  StoryEntity,
  EntryEntity,
  FigureEntity,
  FigureClaimEntity,
  ReportOutcomeEntity,
] as const;
