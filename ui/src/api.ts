// The generated bindings, with errors turned into exceptions carrying `{code, message}`, so
// views can `await` and show one message.
import { commands, type IpcError, type Result } from "./bindings";

export class FolioError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
  }
}

export async function call<T>(r: Promise<Result<T, IpcError>>): Promise<T> {
  const answer = await r;
  if (answer.status === "error") throw new FolioError(answer.error.code, answer.error.message);
  return answer.data;
}

export { commands };
