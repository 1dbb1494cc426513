/** Rejection codes of docs/protocol.md, "Reports in": the one error taxonomy, mapped at each edge. */
export const REJECTION_CODES = [
  'invalid',
  'unknown-story',
  'story-exists',
  'story-closed',
  'unknown-entry',
  'entry-exists',
  'entry-retracted',
  'no-change',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** What a report becomes when it is not accepted (published on `<root>.rejections.<storyId>`). */
export interface Rejection {
  readonly reportId: string;
  readonly storyId: string;
  readonly code: RejectionCode;
  readonly message: string;
  /** Field errors for `invalid` (path → message); not published when empty. */
  readonly fields?: Readonly<Record<string, string>>;
}
