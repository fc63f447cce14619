import type { User } from "../../auth/users.ts";
import type { Node } from "./render.ts";

export interface SubsonicCall {
  params: URLSearchParams;
  user: User;
  request: Request;
}

/**
 * A method answers a body (an envelope's content), or a ready Response for binary answers
 * (stream, cover art …) that is passed through untouched, or throws a SubsonicFailure.
 */
export type SubsonicMethod = (
  call: SubsonicCall,
) => Promise<Node | Response | undefined> | Node | Response | undefined;

export class SubsonicFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
