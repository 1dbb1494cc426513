import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RejectionCode } from '@livefeed/domain';

/** How a report was decided, forever: the idempotency record behind `GET /api/reports/:id`. */
@Entity({ name: 'report_outcomes', synchronize: false })
export class ReportOutcomeEntity {
  @PrimaryColumn({
    name: 'report_id',
    type: 'text',
    primaryKeyConstraintName: 'report_outcomes_pkey',
  })
  reportId!: string;

  @Column({ name: 'story_id', type: 'text' })
  storyId!: string;

  @Column({ name: 'status', type: 'text' })
  status!: 'accepted' | 'rejected';

  /** The event's version when accepted. */
  @Column({ name: 'version', type: 'integer', nullable: true })
  version!: number | null;

  @Column({ name: 'code', type: 'text', nullable: true })
  code!: RejectionCode | null;

  @Column({ name: 'message', type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt!: Date;
}
