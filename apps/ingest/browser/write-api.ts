import type { ReportType } from '@livefeed/domain';

/** What filing one report through the write API came to, for the form's result line. */
export type FilingResult =
  | { readonly kind: 'accepted'; readonly reportId: string; readonly version: number }
  | {
      readonly kind: 'rejected';
      readonly reportId: string;
      readonly code: string;
      readonly message: string;
    }
  | { readonly kind: 'queued'; readonly reportId: string }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly code: string;
      readonly message: string;
      readonly fields: ReadonlyArray<{ readonly path: string; readonly message: string }>;
    };

/** Seconds the write API may hold a request for the outcome (`?wait`). */
export const WAIT_SECONDS = 10;

/**
 * Files a report through this app's write API with `?wait`, so the answer is its outcome (201
 * accepted, 422 rejected) or 202 queued when the time ran out; errors come in the one error body.
 */
export async function fileReport(
  token: string,
  storyId: string,
  report: {
    readonly type: ReportType;
    readonly author: string;
    readonly data: Record<string, unknown>;
  },
): Promise<FilingResult> {
  const reportId = `console-${crypto.randomUUID()}`;
  let response: Response;
  try {
    response = await fetch(
      `/api/stories/${encodeURIComponent(storyId)}/reports?wait=${WAIT_SECONDS}`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: reportId, storyId, ...report }),
      },
    );
  } catch (error) {
    return { kind: 'error', status: 0, code: 'network', message: String(error), fields: [] };
  }
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.status === 201)
    return { kind: 'accepted', reportId, version: Number(body?.version) };
  if (response.status === 202) return { kind: 'queued', reportId };
  if (response.status === 422)
    return {
      kind: 'rejected',
      reportId,
      code: String(body?.code ?? 'rejected'),
      message: String(body?.message ?? ''),
    };
  const error = (body?.error ?? {}) as {
    code?: string;
    message?: string;
    fields?: { path: string; message: string }[];
  };
  return {
    kind: 'error',
    status: response.status,
    code: error.code ?? `http-${response.status}`,
    message: error.message ?? response.statusText,
    fields: error.fields ?? [],
  };
}

/** True when the write API takes the token (401 otherwise). Asks for a report id nobody files. */
export async function tokenAccepted(token: string): Promise<boolean> {
  const response = await fetch('/api/reports/console-sign-in-check', {
    headers: { Authorization: `Bearer ${token}` },
  });
  return response.ok;
}
