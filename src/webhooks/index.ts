export {
  deliverDueWebhooks,
  getWebhookDelivery,
  listWebhookDeliveries,
  resendWebhookDelivery,
  sendTestWebhook,
  type WebhookDelivery,
  type WebhookDeliveryAttempt,
} from "./delivery.js";
export { webhookErrors } from "./errors.js";
export { WEBHOOK_DELIVERY_QUEUE, WEBHOOK_RELAY_QUEUE, webhookQueues } from "./jobs.js";
export { type RelayResult, relayOutbox } from "./relay.js";
export { webhookRoutes } from "./routes.js";
export {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookSettings,
} from "./service.js";
export { newWebhookSecret, SIGNATURE_HEADER, signatureHeader, verifyWebhookSignature } from "./signing.js";
