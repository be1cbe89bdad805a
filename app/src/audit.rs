//! Server functions of the operator console's audit explorer. Each names the
//! actor from the session and calls one service function, which lets only the
//! operators who keep the record (Admin, Auditor) read the trail. The export is
//! a plain download, `GET /console/audit/export.jsonl` (in the server crate).

use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::dto::AuditQuery;

    /// The service's form of the explorer's filter.
    pub fn form_of(q: AuditQuery) -> services::AuditForm {
        services::AuditForm {
            subject_type: q.subject_type,
            subject_id: q.subject_id,
            actor: q.actor,
            action: q.action,
            org: q.org,
            from: q.from,
            to: q.to,
        }
    }
}

/// Console: one page of the audit trail, newest first, filtered.
#[server(endpoint = "audit_search")]
pub async fn audit_search(
    #[server(default)] query: AuditQuery,
    before: Option<i64>,
) -> Result<AuditSearchView, AppError> {
    let actor = crate::auth::session::actor().await?;
    let page = crate::auth::session::services()?
        .audit_search(&actor, &ssr::form_of(query), before)
        .await?;
    let short = |h: &str| h.get(..12).unwrap_or(h).to_owned();
    Ok(AuditSearchView {
        rows: page
            .entries
            .into_iter()
            .map(|e| AuditRow {
                seq: e.seq,
                hash_prefix: short(&e.hash),
                at: services::format_datetime(e.at_ms),
                actor: page
                    .people
                    .get(&e.actor)
                    .cloned()
                    .unwrap_or_else(|| e.actor.clone()),
                actor_id: e.actor,
                org: e
                    .org_id
                    .as_ref()
                    .map(|o| page.orgs.get(o).cloned().unwrap_or_else(|| o.clone())),
                org_id: e.org_id,
                action: e.action,
                subject_type: e.subject_type,
                subject_id: e.subject_id,
                policy_version: e.policy_version,
                evidence: e
                    .evidence
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(short)
                    .collect(),
            })
            .collect(),
        next_before: page.next_before,
    })
}
