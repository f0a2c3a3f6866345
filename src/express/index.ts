export { DEFAULT_ALLOWED_ORIGINS, type OclcAuthConfig } from './config.js';
export { OclcContext, type OclcUser } from './context.js';
export { liveness, readiness } from './health.js';
export { oclcErrorHandler, wantsHtml } from './responses.js';
export { safeReturnTo } from './return-to.js';
export { type OclcAuthRouter, oclcAuth, requiresAuth, SESSION_MISSING } from './router.js';
export { type CreateSessionOptions, createSession, type OclcSessionMiddleware } from './session.js';
export type { OclcSessionData, PendingLogin } from './session-data.js';
