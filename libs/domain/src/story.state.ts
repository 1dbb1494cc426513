import type { EntryKind, Qualifier, Source } from './report.schema';

/** A story's current state: the projection of docs/protocol.md, "Story state". */
export interface StoryState {
  readonly id: string;
  readonly title: string;
  readonly summary: string | null;
  readonly status: 'live' | 'closed';
  readonly visibility: 'public' | 'private';
  readonly version: number;
  readonly openedAt: string;
  readonly updatedAt: string;
  /** Newest first by postedAt, ties by version (newer first). */
  readonly entries: readonly Entry[];
  /** In the order figures were first reported. */
  readonly figures: readonly Figure[];
}

export interface Entry {
  readonly entryId: string;
  readonly kind: EntryKind;
  /** null once retracted */
  readonly body: string | null;
  readonly author: string;
  /** What the entry cites, in the order the report gave them; empty when nothing. */
  readonly sources: readonly Source[];
  /** The first of `sources`, or null: for readers written before an entry could cite several. */
  readonly source: Source | null;
  readonly postedAt: string;
  readonly editedAt: string | null;
  readonly corrections: readonly Correction[];
  readonly pinned: boolean;
  readonly retracted: { readonly reason: string; readonly at: string } | null;
}

export interface Correction {
  readonly note: string;
  readonly at: string;
}

export interface Figure {
  readonly figureId: string;
  readonly label: string;
  readonly unit: string | null;
  /** Latest value each source gave, in the order sources first reported. */
  readonly bySource: readonly FigureClaim[];
}

export interface FigureClaim {
  readonly source: Source;
  readonly value: number;
  readonly qualifier: Qualifier;
  readonly reportedAt: string;
}
