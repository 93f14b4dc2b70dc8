import { type RequestHandler, Router } from 'express';
import { authorize } from '../auth/authorize.js';
import { authenticate, guarded, type RouteDeps } from '../http/handler.js';
import {
  createInstaller,
  getInstaller,
  listInstallers,
  setInstallerActive,
  updateInstaller,
} from './installers.service.js';
import {
  createReference,
  deleteReference,
  listReference,
  REFERENCE_SPECS,
  setReferenceActive,
  updateReference,
} from './reference.service.js';
import { createUser, getUser, listUsers, resetPassword, setUserActive, updateUser } from './users.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only ids reach the handlers of /installers/:id, so /installers/assignable (assignment) keeps its own route. */
const onlyIds: RequestHandler = (req, _res, next) => next(UUID.test(String(req.params.id)) ? undefined : 'route');

export function adminRoutes(deps: RouteDeps): Router {
  const r = Router();

  // ---- users (HQ_ADMIN) ----
  r.get(
    '/admin/users',
    guarded(deps, 'admin.users', ({ tx, actor, req }) => listUsers(tx, actor, req.query)),
  );
  r.get(
    '/admin/users/:id',
    guarded(deps, 'admin.users', ({ tx, actor, req }) => getUser(tx, actor, req.params.id)),
  );
  // creating and resetting hash a password first: no transaction is held open for it
  r.post('/admin/users', async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'admin.users');
    res.status(201).json(await createUser(deps.pool, actor, req.body));
  });
  r.patch(
    '/admin/users/:id',
    guarded(deps, 'admin.users', ({ tx, actor, req }) => updateUser(tx, actor, req.params.id, req.body)),
  );
  r.post('/admin/users/:id/password', async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'admin.users');
    res.json(await resetPassword(deps.pool, actor, req.params.id, req.body));
  });
  r.post(
    '/admin/users/:id/deactivate',
    guarded(deps, 'admin.users', ({ tx, actor, req }) => setUserActive(tx, actor, req.params.id, req.body, false)),
  );
  r.post(
    '/admin/users/:id/activate',
    guarded(deps, 'admin.users', ({ tx, actor, req }) => setUserActive(tx, actor, req.params.id, req.body, true)),
  );

  // ---- reference data (HQ_ADMIN) ----
  for (const spec of REFERENCE_SPECS) {
    const base = `/admin/${spec.path}`;
    r.get(
      base,
      guarded(deps, 'admin.reference', ({ tx, actor, req }) => listReference(tx, actor, spec, req.query)),
    );
    r.post(
      base,
      guarded(deps, 'admin.reference', ({ tx, actor, req }) => createReference(tx, actor, spec, req.body), {
        status: 201,
      }),
    );
    r.patch(
      `${base}/:key`,
      guarded(deps, 'admin.reference', ({ tx, actor, req }) =>
        updateReference(tx, actor, spec, req.params.key, req.body),
      ),
    );
    if (spec.activatable) {
      r.post(
        `${base}/:key/deactivate`,
        guarded(deps, 'admin.reference', ({ tx, actor, req }) =>
          setReferenceActive(tx, actor, spec, req.params.key, req.body, false),
        ),
      );
      r.post(
        `${base}/:key/activate`,
        guarded(deps, 'admin.reference', ({ tx, actor, req }) =>
          setReferenceActive(tx, actor, spec, req.params.key, req.body, true),
        ),
      );
    } else {
      r.delete(
        `${base}/:key`,
        guarded(deps, 'admin.reference', ({ tx, actor, req }) =>
          deleteReference(tx, actor, spec, req.params.key, req.query),
        ),
      );
    }
  }

  // ---- installers (HQ_ADMIN; BRANCH_MANAGER for its own branch) ----
  r.get(
    '/installers',
    guarded(deps, 'installers.read', ({ tx, actor, req }) => listInstallers(tx, actor, req.query)),
  );
  r.get(
    '/installers/:id',
    onlyIds,
    guarded(deps, 'installers.read', ({ tx, actor, req }) => getInstaller(tx, actor, req.params.id)),
  );
  r.post(
    '/installers',
    guarded(deps, 'installers.manage', ({ tx, actor, req }) => createInstaller(tx, actor, req.body), { status: 201 }),
  );
  r.patch(
    '/installers/:id',
    onlyIds,
    guarded(deps, 'installers.manage', ({ tx, actor, req }) => updateInstaller(tx, actor, req.params.id, req.body)),
  );
  r.post(
    '/installers/:id/deactivate',
    onlyIds,
    guarded(deps, 'installers.manage', ({ tx, actor, req }) =>
      setInstallerActive(tx, actor, req.params.id, req.body, false),
    ),
  );
  r.post(
    '/installers/:id/activate',
    onlyIds,
    guarded(deps, 'installers.manage', ({ tx, actor, req }) =>
      setInstallerActive(tx, actor, req.params.id, req.body, true),
    ),
  );
  return r;
}
