// Anomalies are days; the trend's buckets are days, ISO weeks or months. Each anomaly is
// marked on the bucket that holds its date (the last bucket starting on or before it).
export function bucketOf(date: string, bucketStarts: readonly string[]): number {
  let found = -1;
  for (let i = 0; i < bucketStarts.length; i++) {
    if (bucketStarts[i]! <= date) found = i;
    else break;
  }
  return found;
}
