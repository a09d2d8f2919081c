/** What a token may do: viewers read, admins also upload, cancel, retry and manage budgets. */
export type Role = 'admin' | 'viewer';
