import { describe, expect, it } from 'vitest';
import { errorBody, HttpError, isHttpError, jsonErrorResponse } from './http-error.ts';

describe('JSON errors', () => {
  it('jsonErrorResponse is a JSON { error } response with the status', async () => {
    const response = jsonErrorResponse(415, 'Send JSON.', { 'x-extra': '1' });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('x-extra')).toBe('1');
    expect(await response.json()).toEqual({ error: 'Send JSON.' });
  });

  it('HttpError carries its status', () => {
    const error = new HttpError(413, 'Too big.');
    expect(isHttpError(error)).toBe(true);
    expect(isHttpError(new Error('x'))).toBe(false);
    expect(error.status).toBe(413);
    expect(errorBody(error.message)).toEqual({ error: 'Too big.' });
  });
});
