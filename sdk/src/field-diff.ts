import { isDeepStrictEqual } from 'node:util';

/** One changed field of one record, with its values as text (what `audit_change_log` stores). */
export interface FieldDiff {
  field: string;
  changeType: 'INSERT' | 'UPDATE' | 'DELETE';
  oldValue?: string;
  newValue?: string;
  /** STRING, NUMBER, BOOLEAN, DATE, JSON or NULL: the type of the new value (old one on delete). */
  valueType: string;
}

export type RecordImage = Readonly<Record<string, unknown>>;

/**
 * The fields that differ between a before and an after image. A missing before image is an
 * INSERT (every non-null field of the after image); a missing after image is a DELETE; else an
 * UPDATE of every field whose value changed (deep comparison, so JSON columns count once).
 */
export function diffImages(before: RecordImage | undefined, after: RecordImage | undefined): FieldDiff[] {
  const changeType = before === undefined ? 'INSERT' : after === undefined ? 'DELETE' : 'UPDATE';
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const diffs: FieldDiff[] = [];
  for (const field of fields) {
    const oldRaw = before?.[field];
    const newRaw = after?.[field];
    if (changeType === 'INSERT' && (newRaw === undefined || newRaw === null)) continue;
    if (changeType === 'DELETE' && (oldRaw === undefined || oldRaw === null)) continue;
    if (changeType === 'UPDATE' && sameValue(oldRaw, newRaw)) continue;
    const diff: FieldDiff = {
      field,
      changeType,
      valueType: valueType(changeType === 'DELETE' ? oldRaw : newRaw),
    };
    if (changeType !== 'INSERT') diff.oldValue = valueToText(oldRaw);
    if (changeType !== 'DELETE') diff.newValue = valueToText(newRaw);
    diffs.push(diff);
  }
  return diffs;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // A field absent on one side and null on the other did not change.
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return isDeepStrictEqual(a, b);
}

export function valueToText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? '';
}

function valueType(value: unknown): string {
  if (value === undefined || value === null) return 'NULL';
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'number' || typeof value === 'bigint') return 'NUMBER';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (value instanceof Date) return 'DATE';
  return 'JSON';
}
