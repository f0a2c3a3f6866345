// Health routes: liveness says the process serves requests; readiness says the session and token
// store answer (take a replica out of the load balancer while Redis is away, never restart it).
import type { RequestHandler } from 'express';
import type { OclcAuthRouter } from './router.js';

export function liveness(): RequestHandler {
  return (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'alive' });
  };
}

export function readiness(router: OclcAuthRouter): RequestHandler {
  return (_req, res) => {
    router.ready().then(
      () => res.set('Cache-Control', 'no-store').json({ status: 'ready' }),
      () =>
        res
          .status(503)
          .set('Cache-Control', 'no-store')
          .set('Retry-After', '2')
          .json({ status: 'not ready', reason: 'session store unavailable' }),
    );
  };
}
