//! The write of `secrets sync`: the one place that changes a Secret.
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};

use crate::client::{Action, Connection};
use crate::core::secret_plan::{self, Desired, Diff, LAST_APPLIED_ANNOTATION, MANAGER};
use crate::error::{ApiError, Error, Result};

/// Writes the desired Secret (or, with `dry_run`, asks the server to check the first request of
/// the write without persisting it). A new Secret is one create (POST), which fails with 409
/// when the Secret appeared since it was read: two syncs never both "create". An existing one:
/// normally one server-side apply (field manager `kubectl-kmcp`) that carries the live
/// resourceVersion as a precondition. When keys must be removed, or a
/// last-applied-configuration annotation or owner references must go, server-side apply alone
/// cannot do it (it keeps fields other managers own): one JSON patch, guarded by a `test` of the
/// resourceVersion, writes the whole final state atomically, then a server-side apply of the same
/// state records `kubectl-kmcp` as the owner of every field.
pub async fn write(
    conn: &Connection,
    api: &Api<Secret>,
    desired: &Desired,
    live: Option<&Secret>,
    diff: &Diff,
    dry_run: bool,
) -> Result<Secret> {
    let ns = desired.namespace.as_str();
    let name = desired.name.as_str();
    let action = || Action::new("patch", "secrets", Some(ns)).named(name);
    // 409: the resourceVersion precondition failed (the Secret changed since it was read).
    let changed_meanwhile = |e: ApiError| -> Error {
        Error::Api(e.with_message(format!(
            "secret {name:?} in namespace {ns:?} was changed by someone else while syncing; nothing was written by this run. Run the sync again (it shows the new diff)"
        )))
    };
    let conflict = |e: Error| -> Error {
        match e {
            Error::Api(e) if e.is_conflict() => changed_meanwhile(e),
            other => other,
        }
    };
    let mut pp = PatchParams::apply(MANAGER);
    if dry_run {
        pp = pp.dry_run();
    }
    let Some(live) = live else {
        let create = Action::new("create", "secrets", Some(ns)).named(name);
        let post = PostParams {
            dry_run,
            field_manager: Some(MANAGER.into()),
        };
        return conn
            .call(create, api.create(&post, &desired.secret()))
            .await
            .map_err(|e| match e {
                Error::Api(e) if e.is_conflict() => Error::Api(e.with_message(format!(
                    "secret {name:?} in namespace {ns:?} was created by someone else (another sync?) after this run found none; nothing was written by this run. Run the sync again: it shows the diff against that Secret and asks before removing anything"
                ))),
                other => other,
            });
    };
    let rv = live.metadata.resource_version.clone().unwrap_or_default();
    let needs_patch = !diff.removed().is_empty()
        || live
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(LAST_APPLIED_ANNOTATION))
        || secret_plan::owner_of(live).is_some();
    let mut rv_after = rv.clone();
    if needs_patch {
        let ops = secret_plan::takeover_patch(desired, live, &rv);
        let mut jp = PatchParams {
            field_manager: Some(MANAGER.into()),
            ..PatchParams::default()
        };
        if dry_run {
            jp = jp.dry_run();
        }
        let mut req = kube::core::Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
            .patch(name, &jp, &Patch::Merge(&ops))
            .map_err(|e| Error::Failed(format!("cannot build the request: {e}")))?;
        req.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json-patch+json"),
        );
        let patched = conn
            .call(action(), conn.client.request::<Secret>(req))
            .await;
        let patched: Secret = match patched {
            Ok(p) => p,
            // A failed `test` op is answered with a bare 422, as is any other rejection of the
            // patch: only the resourceVersion tells them apart.
            Err(Error::Api(e)) if e.status == Some(422) => {
                return Err(unprocessable(conn, api, e, &rv, name, ns).await);
            }
            Err(e) => return Err(conflict(e)),
        };
        if dry_run {
            return Ok(patched);
        }
        rv_after = patched
            .metadata
            .resource_version
            .clone()
            .unwrap_or_default();
    }
    let mut secret = desired.secret();
    secret.metadata.resource_version = Some(rv_after);
    if dry_run {
        // The pre-flight of an apply-only write.
        return conn
            .call(
                action(),
                api.patch(name, &pp.force(), &Patch::Apply(secret)),
            )
            .await
            .map_err(conflict);
    }
    // The takeover checks passed against exactly this resourceVersion, so forcing only takes
    // fields from managers such as kubectl-client-side-apply or upstream kmcp.
    let pp = pp.force();
    let applied = conn
        .call(action(), api.patch(name, &pp, &Patch::Apply(secret)))
        .await
        .map_err(conflict);
    match applied {
        Ok(s) => Ok(s),
        Err(e) if needs_patch => Err(e.map_message(|m| format!(
            "the Secret's content is synced, but recording kubectl-kmcp as its field manager failed: {m}; run the sync again"
        ))),
        Err(e) => Err(e),
    }
}

/// A 422 of the JSON patch: a failed `test` (the Secret changed since it was read: its
/// resourceVersion moved) or a real rejection (an admission policy, the annotation size limit,
/// validation), told apart by reading the resourceVersion again; the latter with the server's
/// reason.
async fn unprocessable(
    conn: &Connection,
    api: &Api<Secret>,
    e: ApiError,
    tested_rv: &str,
    name: &str,
    ns: &str,
) -> Error {
    let now = conn
        .call(
            Action::new("get", "secrets", Some(ns)).named(name),
            api.get_opt(name),
        )
        .await;
    let moved = match &now {
        Ok(Some(s)) => s.metadata.resource_version.as_deref() != Some(tested_rv),
        Ok(None) => true,
        Err(_) => false,
    };
    if moved {
        return Error::Api(e.with_message(format!(
            "secret {name:?} in namespace {ns:?} was changed by someone else while syncing; nothing was written by this run. Run the sync again (it shows the new diff)"
        )));
    }
    let reason = if e.server_message.is_empty() {
        "no reason given".to_string()
    } else {
        e.server_message.clone()
    };
    let status = format!("HTTP {} {}", e.status.unwrap_or_default(), e.reason);
    let status = status.trim_end();
    Error::Api(e.with_message(format!(
        "the API server rejected the change to secret {name:?} in namespace {ns:?} ({status}): {reason}; nothing was written. Running the sync again will not help: check the cluster's admission policies for Secrets and the size of the Secret's annotations"
    )))
}
