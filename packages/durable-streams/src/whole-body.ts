/**
 * The body of a response that is already whole (a catch-up read), kept beside its `Response` so
 * the Node entry point writes it in one call instead of draining the Response's stream.
 */
const wholeBodies = new WeakMap<Response, string | Uint8Array>();

export function wholeResponse(body: string | Uint8Array<ArrayBuffer>, init: ResponseInit): Response {
  const response = new Response(body, init);
  wholeBodies.set(response, body);
  return response;
}

export function wholeBodyOf(response: Response): string | Uint8Array | undefined {
  return wholeBodies.get(response);
}
