/**
 * What a spec file's cases share: `open` runs before them (`beforeAll`), the opened one's `close`
 * after them (`afterAll`, in the order hooks are declared). The object returned is empty until
 * `open` resolved, then holds the opened one's own properties: meant for plain objects of
 * references and closures (hostileStack, faultWorld), not for classes or changing plain values.
 */
export function sharedByFile<T extends { close(): Promise<void> }>(open: () => Promise<T>): T {
  const shared = {} as T;
  let opened: T | undefined;
  beforeAll(async () => {
    opened = await open();
    Object.assign(shared, opened);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return shared;
}
