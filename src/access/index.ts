/**
 * What other modules and the adapters (api, cli, jobs) may use from access.
 * Everything else in this folder is private to it.
 */
export { type ApiKey, type CreatedApiKey, createApiKey, listApiKeys, revokeApiKey } from "./api-keys.js";
export {
  type Approval,
  type ApprovalHandler,
  type ApprovalRequest,
  approve,
  getApproval,
  listApprovals,
  registerApprovalHandler,
  registerRejectionHandler,
  reject,
  requestApproval,
} from "./approvals.js";
export {
  type AuditEntry,
  type AuditEvent,
  getAuditEvent,
  listAuditEvents,
  recordAudit,
  recordAuditMany,
  verifyAuditChain,
} from "./audit.js";
export type { ChainProblem, ChainReport } from "./audit-chain.js";
export { type AuthenticationResult, authenticateRequest } from "./authenticate.js";
export { can, PERMISSIONS, type Permission, ROLE_PERMISSIONS, ROLES, type Role } from "./permissions.js";
export { accessRoutes } from "./routes.js";
export { generatePassword } from "./secrets.js";
export {
  type BootstrapResult,
  createUser,
  disableUser,
  ensureBootstrapAdmin,
  listUsers,
  type NewUser,
  type User,
} from "./service.js";
export { purgeEndedSessions } from "./sessions.js";
