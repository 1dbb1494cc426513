import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * One row of the append-only log (CONTRACT section 2). Mirrors migration CreateEventLog; the schema is
 * owned by the migrations, never synchronised from here.
 *
 * Not mapped: `transaction_id xid8 DEFAULT pg_current_xact_id()`. TypeORM has no xid8 type; it is only
 * read by `readLog`'s raw SQL. Review any generated migration so it does not drop that column.
 */
@Entity({ name: 'events', synchronize: false })
@Unique('events_report_id_key', ['reportId'])
@Unique('events_story_version_key', ['storyId', 'version'])
export class EventEntity {
  /** Global order for whole-log replay; int8 arrives as a string from pg. */
  @PrimaryGeneratedColumn('increment', {
    name: 'position',
    type: 'bigint',
    primaryKeyConstraintName: 'events_pkey',
  })
  position!: string;

  @Column({ name: 'story_id', type: 'text' })
  storyId!: string;

  @Column({ name: 'version', type: 'integer' })
  version!: number;

  @Column({ name: 'type', type: 'text' })
  type!: string;

  @Column({ name: 'data', type: 'jsonb' })
  data!: Record<string, unknown>;

  @Column({ name: 'report_id', type: 'text' })
  reportId!: string;

  @Column({ name: 'author', type: 'text' })
  author!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
