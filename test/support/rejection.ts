/** The error `call` rejects with; throws (failing the test) when it resolves instead. */
export async function rejection<E = Error>(call: Promise<unknown>): Promise<E> {
  try {
    await call;
  } catch (err) {
    return err as E;
  }
  throw new Error("expected the call to fail");
}
