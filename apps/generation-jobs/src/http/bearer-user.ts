// Job owners are stream-lifecycle owners, which core limits to 200 characters.
const MAX_TOKEN_LENGTH = 200;

/**
 * The user an `Authorization: Bearer <token>` header names. In this demo any non-empty token is
 * a user (the token itself); a real deployment verifies the token here instead. Undefined when
 * the header is missing, not `Bearer`, empty, or longer than 200 characters.
 */
export function bearerUser(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(header.trim());
  const token = match?.[1]?.trim();
  if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
  return token;
}
