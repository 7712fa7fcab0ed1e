export interface Answer {
  readonly status: number;
  /** Parsed as JSON when it is JSON; the text otherwise. */
  readonly body: unknown;
}

/** Reads a response whole: its status and its body, as JSON when it parses. */
export async function readAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}
