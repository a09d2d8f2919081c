// Which dropped file is which: the users export has User_ID but no RowId; the
// transactions export has RowId. Headers are matched as the API matches them: case,
// spaces, "_" and "-" ignored (User_ID = user id = userId).

export type FileKind = 'users' | 'transactions';

const normalise = (header: string) => header.replace(/^\uFEFF/, '').replace(/["'\s_-]/g, '').toLowerCase();

/** The kind of a CSV from its first line, or null when it is neither export. */
export function kindOfHeader(firstLine: string): FileKind | null {
  const headers = firstLine.split(',').map(normalise);
  if (headers.includes('rowid')) return 'transactions';
  if (headers.includes('userid')) return 'users';
  return null;
}

/** Reads the first line of a file (at most 64 KiB) and classifies it. */
export async function kindOfFile(file: Blob): Promise<FileKind | null> {
  const head = await file.slice(0, 64 * 1024).text();
  return kindOfHeader(head.split(/\r?\n/, 1)[0] ?? '');
}

export interface PickedFiles {
  users?: File;
  transactions?: File;
  /** Files that are neither export, or a second file of a kind. */
  problems: string[];
}

/** Sorts dropped or picked files into the upload's two slots. */
export async function sortFiles(files: File[], previous: Omit<PickedFiles, 'problems'> = {}): Promise<PickedFiles> {
  const picked: PickedFiles = { ...previous, problems: [] };
  const seen = new Set<FileKind>();
  for (const file of files) {
    const kind = await kindOfFile(file);
    if (!kind) {
      picked.problems.push(`${file.name}: not a users or transactions CSV (no User_ID or RowId column in its first line)`);
    } else if (seen.has(kind)) {
      picked.problems.push(`${file.name}: a second ${kind} file; one of each can be uploaded at once`);
    } else {
      seen.add(kind);
      picked[kind] = file;
    }
  }
  return picked;
}
