// Every route of the API, for the OpenAPI document and the per-route metrics. A module with routes adds its list
// here; test/api/openapi.test.ts fails for a mounted route missing from it.
import { attachmentRouteDocs } from '../attachments/attachments.routes.js';
import { exportRouteDocs } from '../exports/exports.routes.js';
import { noticeRouteDocs } from '../notices/notices.routes.js';
import { notificationRouteDocs } from '../notifications/notifications.routes.js';
import { opsRouteDocs } from '../ops/ops.routes.js';
import { syncRouteDocs } from '../sync/sync.routes.js';
import { authRouteDocs, orderRouteDocs, settlementRouteDocs } from './core-routes.js';
import { openApiRouteDocs } from './openapi.routes.js';
import {
  adminReferenceRouteDocs,
  adminUserRouteDocs,
  auditRouteDocs,
  happyCallRouteDocs,
  installerRouteDocs,
  serialRouteDocs,
  splitRouteDocs,
  wasteRouteDocs,
} from './parts-routes.js';
import type { RouteDoc } from './registry.js';

export function apiRouteDocs(): RouteDoc[] {
  return [
    ...opsRouteDocs,
    ...openApiRouteDocs,
    ...authRouteDocs,
    ...orderRouteDocs,
    ...settlementRouteDocs,
    ...syncRouteDocs,
    ...notificationRouteDocs,
    ...exportRouteDocs,
    ...attachmentRouteDocs,
    ...splitRouteDocs,
    ...serialRouteDocs,
    ...wasteRouteDocs,
    ...happyCallRouteDocs,
    ...adminUserRouteDocs,
    ...adminReferenceRouteDocs,
    ...installerRouteDocs,
    ...auditRouteDocs,
    ...noticeRouteDocs,
  ];
}
