export { jobErrors } from "./errors.js";
export { JOB_STATES, type JobState } from "./model.js";
export { jobRoutes } from "./routes.js";
export {
  type Job,
  type JobHandler,
  type JobRunner,
  type QueueDefinition,
  type StartJobsOptions,
  startJobs,
} from "./runner.js";
export {
  getJob,
  type JobEffect,
  type JobListQuery,
  type JobView,
  listJobs,
  performEffectOnce,
  retryJob,
} from "./service.js";
export { prepareDatabase } from "./setup.js";

// Provides kernel/jobs.ts `jobQueueOn` to the modules below.
import "./transactional.js";
