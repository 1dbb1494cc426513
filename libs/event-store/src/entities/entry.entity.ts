import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Correction, EntryKind, Source } from '@livefeed/domain';

/** One entry of a story (projection). A retracted entry keeps its row with `body` null. */
@Entity({ name: 'entries', synchronize: false })
export class EntryEntity {
  @PrimaryColumn({ name: 'story_id', type: 'text', primaryKeyConstraintName: 'entries_pkey' })
  storyId!: string;

  @PrimaryColumn({ name: 'entry_id', type: 'text', primaryKeyConstraintName: 'entries_pkey' })
  entryId!: string;

  @Column({ name: 'kind', type: 'text' })
  kind!: EntryKind;

  @Column({ name: 'body', type: 'text', nullable: true })
  body!: string | null;

  @Column({ name: 'author', type: 'text' })
  author!: string;

  @Column({ name: 'source', type: 'jsonb', nullable: true })
  source!: Source | null;

  @Column({ name: 'posted_at', type: 'timestamptz' })
  postedAt!: Date;

  /** Version of the `entry.posted` event: breaks ties between equal `posted_at`. */
  @Column({ name: 'posted_version', type: 'integer' })
  postedVersion!: number;

  @Column({ name: 'edited_at', type: 'timestamptz', nullable: true })
  editedAt!: Date | null;

  @Column({ name: 'corrections', type: 'jsonb' })
  corrections!: Correction[];

  @Column({ name: 'pinned', type: 'boolean' })
  pinned!: boolean;

  @Column({ name: 'retracted_reason', type: 'text', nullable: true })
  retractedReason!: string | null;

  @Column({ name: 'retracted_at', type: 'timestamptz', nullable: true })
  retractedAt!: Date | null;
}
