import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { UnsupportedMediaTypeError } from "../errors/index.js";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/** True when the request's Content-Type is JSON (`application/json` or `application/*+json`). */
export function isJsonContentType(req: Request): boolean {
  const type = req.headers["content-type"]?.split(";")[0]?.trim() ?? "";
  return JSON_TYPE.test(type);
}

/**
 * Body handling for JSON API routes: a request that carries a body must say it is JSON
 * (415 otherwise), is limited to `limitBytes` (413), and must parse (400). Any JSON value parses
 * (`null`, `"x"`): valid JSON that is not the expected object is the route's 422, not a 400.
 */
export function createJsonBody(limitBytes: number): RequestHandler[] {
  const requireJson = (req: Request, _res: Response, next: NextFunction): void => {
    const hasBody =
      req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    if (hasBody && !isJsonContentType(req)) {
      next(new UnsupportedMediaTypeError("send the body as application/json"));
      return;
    }
    next();
  };
  return [requireJson, express.json({ limit: limitBytes, strict: false, type: () => true })];
}
