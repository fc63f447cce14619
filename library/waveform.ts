import type { Database } from "../db/client.ts";

export interface Waveform {
  trackId: number;
  /** False until the analysis job has looked at the track. */
  analysed: boolean;
  /** Why the analysis failed, when it did. */
  error: string | null;
  /** (min, max) pairs in −128..127 over the whole track (see audio/peaks.ts); null when unknown. */
  peaks: number[] | null;
}

/** A track's stored waveform overview; undefined when the track does not exist. */
export async function trackWaveform(
  database: Database,
  trackId: number,
): Promise<Waveform | undefined> {
  const rs = await database.client.execute({
    sql: `SELECT t.id, a.track_id AS analysed, a.peaks, a.error FROM tracks t
          LEFT JOIN audio_analysis a ON a.track_id = t.id WHERE t.id = ?`,
    args: [trackId],
  });
  const row = rs.rows[0];
  if (!row) return undefined;
  const blob = row.peaks as ArrayBuffer | null;
  return {
    trackId,
    analysed: row.analysed !== null,
    error: row.error === null ? null : String(row.error),
    peaks: blob ? Array.from(new Int8Array(blob)) : null,
  };
}
