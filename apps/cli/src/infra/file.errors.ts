/** What a failed file operation ran into: `said` for the codes it names, else the error's message. */
export function fileProblem(error: unknown, said: Readonly<Record<string, string>>): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && Object.hasOwn(said, code)) return said[code];
  return error instanceof Error ? error.message : String(error);
}
