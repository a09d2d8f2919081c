// A tiny typed GraphQL-over-HTTP client for the generated documents (tests, demo, scripts).
import type { TypedDocumentString } from './generated/graphql.js';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } & Record<string, unknown> }>;
}

export interface ClientOptions {
  url: string;
  token?: string;
}

export async function request<TResult, TVariables>(
  options: ClientOptions,
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
): Promise<GraphQLResponse<TResult>> {
  const response = await fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  return (await response.json()) as GraphQLResponse<TResult>;
}

/** Like request(), but throws on GraphQL errors and returns the data. */
export async function requestData<TResult, TVariables>(
  options: ClientOptions,
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
): Promise<TResult> {
  const result = await request(options, document, variables);
  if (result.errors?.length || !result.data) {
    throw new Error(`GraphQL error: ${result.errors?.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
  }
  return result.data;
}

/**
 * A GraphQL multipart request (upload), streamed from the given files.
 * `files` maps variable names to { name, data }.
 */
export async function upload<TResult, TVariables>(
  options: ClientOptions,
  document: TypedDocumentString<TResult, TVariables>,
  files: Record<string, { name: string; data: Blob }>,
  /** The operation's other variables (e.g. `dryRun`). */
  variables: Partial<TVariables> = {},
): Promise<GraphQLResponse<TResult>> {
  const form = new FormData();
  const entries = Object.entries(files);
  const operationVariables = { ...variables, ...Object.fromEntries(entries.map(([key]) => [key, null])) };
  form.append('operations', JSON.stringify({ query: document.toString(), variables: operationVariables }));
  form.append('map', JSON.stringify(Object.fromEntries(entries.map(([key], i) => [String(i), [`variables.${key}`]]))));
  entries.forEach(([, file], i) => form.append(String(i), file.data, file.name));
  const response = await fetch(options.url, {
    method: 'POST',
    headers: {
      'x-graphql-yoga-csrf': '1',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: form,
  });
  return (await response.json()) as GraphQLResponse<TResult>;
}
