// The generated bindings, with errors turned into exceptions carrying `{code, message}`, so
// views can `await` and show one message.
import { commands, type ErrorCode, type IpcError, type Result } from "./bindings";

export class FolioError extends Error {
  constructor(public readonly code: ErrorCode, message: string) {
    super(message);
  }
}

export async function call<T>(r: Promise<Result<T, IpcError>>): Promise<T> {
  const answer = await r;
  if (answer.status === "error") throw new FolioError(answer.error.code, answer.error.message);
  return answer.data;
}

/** Runs a form's action with its busy flag up and its error, if any, shown in its place. */
export async function whileBusy(
  setBusy: (busy: boolean) => void,
  setError: (message: string | null) => void,
  action: () => Promise<void>,
): Promise<void> {
  setBusy(true);
  setError(null);
  try {
    await action();
  } catch (err) {
    setError((err as Error).message);
  } finally {
    setBusy(false);
  }
}

export { commands };
