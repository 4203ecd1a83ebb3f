// Security headers for every response (helmet), with a Content-Security-Policy the tool page
// (src/web: one module script, one stylesheet, fetch to its own origin) works under; and no
// caching of API answers, which carry students' records in error logs.
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** The page loads only its own files, talks only to its own origin, and is never framed. */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  // The page's favicon is an empty data: URL.
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** Cache-Control: no-store, for every /api answer (errors and 401s included). */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};
