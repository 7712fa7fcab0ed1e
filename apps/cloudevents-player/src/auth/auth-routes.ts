import { errorBody } from '@resumable-sse/demo-support';
import type { Request, RequestHandler, Response } from 'express';
import type { AccessTokens } from './access-tokens.ts';
import type { Permission } from './auth-keys.ts';

/** The credential in `Authorization: Bearer …`, or `undefined` when there is none. */
function bearer(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

function unauthorized(res: Response, message: string, invalidToken: boolean): void {
  res
    .status(401)
    .set('WWW-Authenticate', invalidToken ? 'Bearer error="invalid_token"' : 'Bearer')
    .json(errorBody(message));
}

/**
 * `POST /auth/token`: a key (`Authorization: Bearer <key>`) in, a short-lived access token out.
 * Asking again is how a client refreshes.
 */
export function tokenRoute(tokens: AccessTokens): RequestHandler {
  return (req, res) => {
    const key = bearer(req);
    if (key === undefined) {
      unauthorized(
        res,
        'Send one of the player\'s keys as "Authorization: Bearer <key>" to get a token.',
        false,
      );
      return;
    }
    const issued = tokens.issue(key);
    if (!issued) {
      unauthorized(res, "This key is not accepted: ask for one listed in the player's AUTH_TOKENS.", true);
      return;
    }
    res.set('Cache-Control', 'no-store').json(issued);
  };
}

/**
 * Lets a request through with a live access token that carries `permission`. No token, an unknown
 * or an expired one: 401 (get a new one from `POST /auth/token`). A token without the permission:
 * 403 — a new token for the same key would not change that.
 */
export function requirePermission(tokens: AccessTokens, permission: Permission): RequestHandler {
  return (req, res, next) => {
    const token = bearer(req);
    if (token === undefined) {
      unauthorized(
        res,
        'Sign in first: POST /auth/token with "Authorization: Bearer <key>", then send "Authorization: Bearer <token>".',
        false,
      );
      return;
    }
    const checked = tokens.check(token);
    if (!checked.ok) {
      unauthorized(
        res,
        checked.reason === 'expired'
          ? 'The access token has expired: get a new one from POST /auth/token.'
          : 'The access token is not known (the player may have restarted): get a new one from POST /auth/token.',
        true,
      );
      return;
    }
    if (!checked.permissions.has(permission)) {
      res
        .status(403)
        .json(
          errorBody(
            permission === 'read'
              ? 'This key may not read the event stream: ask for a key with the read permission.'
              : 'This key may not publish events: ask for a key with the publish permission.',
          ),
        );
      return;
    }
    next();
  };
}
