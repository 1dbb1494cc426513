import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Qualifier, Source } from '@livefeed/domain';

/** The latest value one source gave for a figure (projection). */
@Entity({ name: 'figure_claims', synchronize: false })
export class FigureClaimEntity {
  @PrimaryColumn({ name: 'story_id', type: 'text', primaryKeyConstraintName: 'figure_claims_pkey' })
  storyId!: string;

  @PrimaryColumn({
    name: 'figure_id',
    type: 'text',
    primaryKeyConstraintName: 'figure_claims_pkey',
  })
  figureId!: string;

  @PrimaryColumn({
    name: 'source_name',
    type: 'text',
    primaryKeyConstraintName: 'figure_claims_pkey',
  })
  sourceName!: string;

  /** The source as last given (its url may change). */
  @Column({ name: 'source', type: 'jsonb' })
  source!: Source;

  @Column({ name: 'value', type: 'double precision' })
  value!: number;

  @Column({ name: 'qualifier', type: 'text' })
  qualifier!: Qualifier;

  @Column({ name: 'reported_at', type: 'timestamptz' })
  reportedAt!: Date;

  /** Version of the event where this source first reported the figure: the claims' display order. */
  @Column({ name: 'first_version', type: 'integer' })
  firstVersion!: number;
}
