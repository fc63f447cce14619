import type { User } from "../../auth/users.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { intParam, required } from "./browse.ts";
import { boolParam } from "./playlists.ts";
import type { Node } from "./render.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";

const denied = (what: string) => new SubsonicFailure(50, `${what}: not allowed for this user`);
const isAdmin = (call: SubsonicCall) => call.user.role === "admin";

/**
 * Bandstand has two roles, not Subsonic's dozen flags: the flags are derived.
 * Users may do everything a listener does; settings, uploads of covers and
 * podcasts are administration.
 */
function userNode(u: User, folderIds: number[]): Node {
  const admin = u.role === "admin";
  return {
    username: u.username,
    email: u.email ?? undefined,
    scrobblingEnabled: true,
    maxBitRate: u.maxBitRate,
    adminRole: admin,
    settingsRole: admin,
    downloadRole: true,
    uploadRole: true,
    playlistRole: true,
    coverArtRole: admin,
    commentRole: true,
    podcastRole: admin,
    streamRole: true,
    jukeboxRole: true,
    shareRole: true,
    videoConversionRole: false,
    folder: folderIds,
  };
}

/** Subsonic passwords arrive in clear or as `enc:` + hex of the UTF-8 bytes. */
export function decodePassword(raw: string): string {
  if (!raw.startsWith("enc:")) return raw;
  const hex = raw.slice(4);
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new SubsonicFailure(0, "Malformed enc: password");
  return new TextDecoder().decode(Buffer.from(hex, "hex"));
}

/** Domain errors as Subsonic errors: unknown user → 70, the rest → 0 with the reason. */
async function domain<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof DomainError) {
      throw new SubsonicFailure(err.kind === "not_found" ? 70 : 0, err.message);
    }
    throw err;
  }
}

const BIT_RATES = new Set([0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]);

/** User accounts. Everything but reading oneself and changing one's password is for admins. */
export function userMethods(ctx: AppContext): Record<string, SubsonicMethod> {
  const folderIds = async () => (await ctx.library.folders()).map((f) => f.id);

  const adminOnly = (call: SubsonicCall, what: string) => {
    if (!isAdmin(call)) throw denied(what);
  };

  const target = async (name: string): Promise<User> => {
    const u = await ctx.users.byName(name);
    if (!u) throw new SubsonicFailure(70, `User ${name} not found`);
    return u;
  };

  const bitRate = (call: SubsonicCall): number | undefined => {
    if (!call.params.get("maxBitRate")) return undefined;
    const n = intParam(call, "maxBitRate", 0);
    if (!BIT_RATES.has(n)) throw new SubsonicFailure(0, "maxBitRate is not an allowed bit rate");
    return n;
  };

  return {
    getUser: async (call) => {
      const name = required(call, "username");
      if (name !== call.user.username) adminOnly(call, "Reading another user");
      return { user: userNode(await target(name), await folderIds()) };
    },
    getUsers: async (call) => {
      adminOnly(call, "Listing users");
      const folders = await folderIds();
      return { users: { user: (await ctx.users.list()).map((u) => userNode(u, folders)) } };
    },
    createUser: async (call) => {
      adminOnly(call, "Creating users");
      const username = required(call, "username");
      const password = decodePassword(required(call, "password"));
      const email = call.params.get("email") || null;
      await domain(
        ctx.users.create({
          username,
          password,
          email,
          role: boolParam(call, "adminRole") ? "admin" : "user",
          maxBitRate: bitRate(call),
        }),
      );
      return undefined;
    },
    updateUser: async (call) => {
      adminOnly(call, "Changing users");
      const u = await target(required(call, "username"));
      const admin = boolParam(call, "adminRole");
      // An admin demoting themselves could leave no one able to administer the server.
      if (u.id === call.user.id && admin === false) throw denied("Removing your own admin role");
      const raw = call.params.get("password");
      await domain(
        ctx.users.updateAccount(u.username, {
          password: raw ? decodePassword(raw) : undefined,
          email: call.params.get("email") ?? undefined,
          role: admin === undefined ? undefined : admin ? "admin" : "user",
          maxBitRate: bitRate(call),
        }),
      );
      return undefined;
    },
    deleteUser: async (call) => {
      adminOnly(call, "Deleting users");
      const u = await target(required(call, "username"));
      if (u.id === call.user.id) throw denied("Deleting yourself");
      await domain(ctx.users.delete(u.username));
      return undefined;
    },
    changePassword: async (call) => {
      const name = required(call, "username");
      const password = decodePassword(required(call, "password"));
      if (name !== call.user.username) adminOnly(call, "Changing another user's password");
      const u = await target(name);
      await domain(ctx.users.setPassword(u.username, password));
      return undefined;
    },
  };
}
