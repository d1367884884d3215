/**
 * The operator's API (every route needs `Authorization: Bearer <ADMIN_TOKEN>`, see auth.ts):
 * dead letters, events and their attempts, routes with pause and resume; and the console page.
 */

export { activityRoutes } from "./activity.ts";
export { deadLetterRoutes } from "./deadletters.ts";
export { eraseRoutes } from "./erase.ts";
export { eventRoutes } from "./events.ts";
export { metricsRoutes } from "./metrics.ts";
export { routeTestRoutes } from "./route-test.ts";
export { routeRoutes } from "./routes.ts";
