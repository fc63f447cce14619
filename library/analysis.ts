import { type AnalysisResult, AudioPool, albumLoudness, replayGain } from "../audio/index.ts";
import { type Database, LIBRARY_FAMILY } from "../db/client.ts";
import { resolveInside } from "./walk.ts";

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * Audio analysis of library tracks: loudness, true peak, waveform, BPM, run in
 * the worker pool (created on first use). The main thread only writes results:
 * ReplayGain fills in where a file's tags had none, never overriding them.
 */
export class Analyzer {
  private pool: AudioPool | undefined;

  constructor(
    private readonly database: Database,
    private readonly options: { workers: number; ffmpegPath: string },
  ) {}

  get workers(): number {
    return this.options.workers;
  }

  /** Analyses one track and stores the result; false when the track is gone. */
  async analyzeTrack(trackId: number): Promise<boolean> {
    const rows = await this.database.client.execute({
      sql: `SELECT t.path, f.path AS root, t.album_id FROM tracks t
            JOIN music_folders f ON f.id = t.folder_id WHERE t.id = ?`,
      args: [trackId],
    });
    const row = rows.rows[0];
    if (!row) return false;
    const abs = resolveInside(String(row.root), String(row.path));
    if (!abs) return false;
    this.pool ??= new AudioPool({ size: this.options.workers });
    let result: AnalysisResult;
    try {
      result = await this.pool.analyze(abs, { ffmpegPath: this.options.ffmpegPath });
    } catch (err) {
      // An undecodable file is recorded, so batch analysis does not retry it forever.
      await this.database.write(() =>
        this.database.client.execute({
          sql: `INSERT INTO audio_analysis (track_id, error, analyzed_at) VALUES (?, ?, ?)
                ON CONFLICT(track_id) DO UPDATE SET error = excluded.error, analyzed_at = excluded.analyzed_at`,
          args: [
            trackId,
            err instanceof Error ? err.message.slice(0, 500) : String(err),
            Date.now(),
          ],
        }),
      );
      throw err;
    }
    await this.store(trackId, result);
    if (row.album_id !== null) await this.albumGain(Number(row.album_id));
    return true;
  }

  private async store(trackId: number, r: AnalysisResult): Promise<void> {
    const peak = finite(r.truePeakDb);
    await this.database.write(() =>
      this.database.client.batch(
        [
          {
            sql: `INSERT INTO audio_analysis (track_id, integrated_lufs, true_peak_db, sample_peak_db,
                    track_gain, peaks, bpm, block_summary, error, analyzed_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
                  ON CONFLICT(track_id) DO UPDATE SET integrated_lufs = excluded.integrated_lufs,
                    true_peak_db = excluded.true_peak_db, sample_peak_db = excluded.sample_peak_db,
                    track_gain = excluded.track_gain, peaks = excluded.peaks, bpm = excluded.bpm,
                    block_summary = excluded.block_summary, error = NULL, analyzed_at = excluded.analyzed_at`,
            args: [
              trackId,
              finite(r.integratedLufs),
              peak,
              finite(r.samplePeakDb),
              r.trackGain,
              r.peaks,
              r.bpm,
              r.blockSummary,
              Date.now(),
            ],
          },
          {
            sql: `UPDATE tracks SET rg_track_gain = ?, rg_track_peak = ?
                  WHERE id = ? AND rg_track_gain IS NULL`,
            args: [r.trackGain, peak === null ? null : 10 ** (peak / 20), trackId],
          },
          {
            sql: "UPDATE tracks SET bpm = ? WHERE id = ? AND bpm IS NULL",
            args: [r.bpm === null ? null : Math.round(r.bpm), trackId],
          },
        ],
        "write",
      ),
    );
    // Tracks may have got a ReplayGain and a BPM.
    await this.database.changed(LIBRARY_FAMILY);
  }

  /** Once every track of an album is analysed, its gain from the merged block loudness. */
  private async albumGain(albumId: number): Promise<void> {
    const rows = await this.database.client.execute({
      sql: `SELECT a.block_summary, a.true_peak_db, al.rg_album_gain FROM tracks t
            JOIN albums al ON al.id = t.album_id
            LEFT JOIN audio_analysis a ON a.track_id = t.id WHERE t.album_id = ?`,
      args: [albumId],
    });
    if (rows.rows.some((r) => r.rg_album_gain !== null)) return;
    if (rows.rows.some((r) => !r.block_summary)) return;
    const summaries = rows.rows.map((r) => new Uint8Array(r.block_summary as ArrayBuffer));
    const lufs = albumLoudness(summaries);
    if (!Number.isFinite(lufs)) return;
    const peaks = rows.rows.map((r) => Number(r.true_peak_db)).filter(Number.isFinite);
    const peak = peaks.length ? 10 ** (Math.max(...peaks) / 20) : null;
    await this.database.write(() =>
      this.database.client.execute({
        sql: "UPDATE albums SET rg_album_gain = ?, rg_album_peak = ? WHERE id = ? AND rg_album_gain IS NULL",
        args: [replayGain(lufs), peak, albumId],
      }),
    );
    await this.database.changed(LIBRARY_FAMILY);
  }

  /** Tracks never analysed, after `afterId`, in id order. */
  async pending(afterId: number, limit: number): Promise<number[]> {
    const rows = await this.database.client.execute({
      sql: `SELECT t.id FROM tracks t LEFT JOIN audio_analysis a ON a.track_id = t.id
            WHERE a.track_id IS NULL AND t.id > ? ORDER BY t.id LIMIT ?`,
      args: [afterId, limit],
    });
    return rows.rows.map((r) => Number(r.id));
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}
