/**
 * How a query becomes text for a reward that reads text: strings as they are, objects through
 * `formatQuery` when the caller gives one, else JSON.
 */
export function defaultQueryText(query: unknown): string {
  return typeof query === 'string' ? query : JSON.stringify(query);
}
