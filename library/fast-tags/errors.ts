/** The errors of the fast tag path (see index.ts). */

/** The fast path does not take this file; music-metadata reads it instead. */
export class Decline extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "Decline";
  }
}

/** strtok3's EndOfStreamError, inside the port. */
export class EndOfStream extends Error {}
/** music-metadata's FieldDecodingError (odd-length UTF-16). */
export class FieldDecodingError extends Error {}
