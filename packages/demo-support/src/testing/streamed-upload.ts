import { request as httpRequest } from 'node:http';

export interface StreamedUploadAnswer {
  readonly status: number;
  readonly body: string;
  /** Body bytes sent when the answer's head arrived. */
  readonly sentWhenAnswered: number;
}

/**
 * POSTs a body of 16 KiB chunks without `Content-Length` until the server answers or `maxBytes`
 * went out. One chunk per timer tick, so the answer is noticed as soon as it arrives; `node:http`
 * rather than fetch, because the answer comes while the body is still being sent.
 */
export function postStreamedBody(
  url: string,
  headers: Readonly<Record<string, string>>,
  maxBytes: number,
): Promise<StreamedUploadAnswer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const request = httpRequest(url, { method: 'POST', headers }, (response) => {
      answered = true;
      const sentWhenAnswered = sent;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => {
        text += part;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, sentWhenAnswered }));
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = (): void => {
      if (answered || sent >= maxBytes) {
        request.end();
        return;
      }
      sent += chunk.byteLength;
      if (request.write(chunk)) setTimeout(pump, 1);
      else request.once('drain', () => setTimeout(pump, 1));
    };
    pump();
  });
}
