// Kept in step with package.json by a test.
export const VERSION = '0.1.0';
export const USER_AGENT = `oclc-auth-express/${VERSION} (+https://www.npmjs.com/package/oclc-auth-express)`;
