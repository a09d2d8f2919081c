// Expected failures, each with the GraphQL error code clients switch on. Resolvers throw
// these; the GraphQL layer turns them into GraphQLError with extensions.code.
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'CONFLICT'
  | 'TOO_MANY_REQUESTS'
  | 'BAD_REQUEST'
  | 'REQUEST_TIMEOUT';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, argument?: string) =>
  new DomainError('BAD_USER_INPUT', message, argument ? { argument } : {});
export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} ${id} not found`, { id });
export const conflict = (message: string) => new DomainError('CONFLICT', message);
