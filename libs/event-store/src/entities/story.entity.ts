import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Current state of a story, without its entries and figures (projection; CONTRACT section 3). */
@Entity({ name: 'stories', synchronize: false })
export class StoryEntity {
  @PrimaryColumn({ name: 'id', type: 'text', primaryKeyConstraintName: 'stories_pkey' })
  id!: string;

  @Column({ name: 'title', type: 'text' })
  title!: string;

  @Column({ name: 'summary', type: 'text', nullable: true })
  summary!: string | null;

  @Column({ name: 'status', type: 'text' })
  status!: 'live' | 'closed';

  @Column({ name: 'visibility', type: 'text' })
  visibility!: 'public' | 'private';

  /** Version of the story's last event. */
  @Column({ name: 'version', type: 'integer' })
  version!: number;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
