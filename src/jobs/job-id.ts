// Job ids are UUIDs. PostgreSQL compares them case-insensitively; Redis channel names,
// BullMQ job ids and string comparisons do not. So every id a client sends is normalised
// once, at the API's edge, to the lower-case form the database returns.
/** A UUID in any case: the one spelling of the rule (row fields, ids sent by clients, stored file ids). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID_RE.test(value);

/** The canonical (lower-case) form of a job id, or null when it is not a UUID. */
export function normaliseJobId(value: string | number): string | null {
  const text = String(value);
  return isUuid(text) ? text.toLowerCase() : null;
}
