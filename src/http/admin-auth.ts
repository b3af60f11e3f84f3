import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { AdminTokenUnsetError, AuthError } from "../errors/index.js";

/** Methods that only read: `admin.readOpen` lets them through without a token. */
const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

export interface AdminAuthOptions {
  /** `DROVER_ADMIN_TOKEN`; undefined → every call is refused (except reads when `readOpen`). */
  readonly adminToken: string | undefined;
  /** Lets GET/HEAD requests through without a token (`admin.readOpen` in the config, read per request). */
  readonly readOpen: () => boolean;
}

/** `Authorization: Bearer <DROVER_ADMIN_TOKEN>` (constant-time compare), or 401 with `WWW-Authenticate`. */
export function createAdminAuth(options: AdminAuthOptions) {
  const expected = options.adminToken === undefined ? undefined : digest(options.adminToken);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? "";
    const presented = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (expected !== undefined && presented !== undefined && timingSafeEqual(digest(presented), expected))
      return next();
    if (READ_METHODS.has(req.method) && options.readOpen()) return next();
    res.setHeader("www-authenticate", 'Bearer realm="drover admin API"');
    if (expected === undefined)
      return next(
        new AdminTokenUnsetError(
          "no admin token is configured on this drover (DROVER_ADMIN_TOKEN or DROVER_ADMIN_TOKEN_FILE), so the admin API accepts no token",
        ),
      );
    if (presented === undefined)
      return next(new AuthError("send Authorization: Bearer <DROVER_ADMIN_TOKEN>"));
    return next(new AuthError("wrong admin token"));
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
