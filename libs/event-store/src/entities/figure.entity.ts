import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A figure of a story (projection); its values per source live in `figure_claims`. */
@Entity({ name: 'figures', synchronize: false })
export class FigureEntity {
  @PrimaryColumn({ name: 'story_id', type: 'text', primaryKeyConstraintName: 'figures_pkey' })
  storyId!: string;

  @PrimaryColumn({ name: 'figure_id', type: 'text', primaryKeyConstraintName: 'figures_pkey' })
  figureId!: string;

  @Column({ name: 'label', type: 'text' })
  label!: string;

  @Column({ name: 'unit', type: 'text', nullable: true })
  unit!: string | null;

  /** Version of the event that first reported it: the figures' display order. */
  @Column({ name: 'first_version', type: 'integer' })
  firstVersion!: number;
}
