/** Trailers after the audio that the fast path does not read (core.scanAppendingHeaders). */
import { Decline } from "./errors.ts";
import type { Reader } from "./reader.ts";
import { ascii, latin1 } from "./text.ts";

export function checkAppendingHeaders(r: Reader): void {
  const size = r.size;
  let apeOffset = size;
  if (size >= 128) {
    const tag = r.peekToken(3, size - 128);
    if (tag[0] === 0x54 && tag[1] === 0x41 && tag[2] === 0x47) {
      apeOffset -= 128;
      if (size >= 143) {
        const lyrics = latin1(r.peekToken(15, size - 143)).substring(6);
        if (lyrics === "LYRICS200") throw new Decline("Lyrics3 tag");
      }
    }
  }
  if (apeOffset > 32) {
    const footer = ascii(r.peekToken(8, apeOffset - 32));
    if (footer === "APETAGEX") throw new Decline("APEv2 tag");
  }
}
