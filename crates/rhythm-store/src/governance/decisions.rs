//! Written decisions: request, decide, concur, withdraw, routed by the policy in force; and
//! the `stop_ship` override of a release's gate, which is a decision request.

use rhythm_domain::decision::{DecideInput, Decision, DecisionEvent, DecisionInput};
use rhythm_domain::policy::DecisionCategory;
use rhythm_domain::{New, Role};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PolicyVersion, exists_in, finish, person, policy_in, proposals};
use crate::audit::{self, micros};
use crate::db::Tx;
use crate::notification::{EscalationOpened, Notification};
use crate::registers::{
    Lane, ListQuery, Page, fetch, insert_row, load_links, missing_refs, next_number, save_row, take_lane,
};
use crate::tables::Table;
use crate::{Actor, Store, StoreError, new_id};

pub(crate) async fn check_decision_refs(tx: &mut Tx, ws: Uuid, d: &Decision) -> Result<(), StoreError> {
    finish(missing_refs(tx, ws, d.refs()).await?)
}

impl Store {
    /// Records a decision request. Who decides comes from the policy in force in the workspace
    /// at this moment, read in the same transaction.
    pub async fn create_decision(
        &self,
        actor: &Actor,
        input: DecisionInput,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let now = micros(now);
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Policy).await?;
        let policy = policy_in(&mut tx, ws).await?.policy;
        let number = next_number::<Decision>(&mut tx, ws).await?;
        let new = New { id: new_id(), workspace_id: ws, number, now };
        let d = Decision::request(input, new, |c| policy.decider_for(c), actor.user_id)?;
        check_decision_refs(&mut tx, ws, &d).await?;
        insert_row(&mut tx, ws, &d).await?;
        audit::append(&mut tx, actor, now, "create", Decision::KIND.as_str(), Some(d.id), None::<&Decision>, Some(&d));
        tx.commit().await?;
        Ok(d)
    }

    /// One decision by id. Decisions of other workspaces are "not found".
    pub async fn decision(&self, workspace_id: Uuid, id: Uuid) -> Result<Decision, StoreError> {
        self.get::<Decision>(workspace_id, id).await
    }

    /// One decision by its number (`DEC-4` → 4).
    pub async fn decision_by_number(&self, workspace_id: Uuid, number: i64) -> Result<Decision, StoreError> {
        self.get_by_number::<Decision>(workspace_id, number).await
    }

    /// One page of decisions. Filters: `category`, `status`, `decider`, `risk`, `release`,
    /// `exception`, `backlog_item`, `supersedes`, `requested_by`, `decided_by` (either chief of
    /// a joint decision). Sorts: `requested_at` (default, newest first), `decided_at`, `number`.
    /// `q` searches title, context, choice and cost.
    pub async fn list_decisions(&self, workspace_id: Uuid, query: &ListQuery) -> Result<Page<Decision>, StoreError> {
        self.list::<Decision>(workspace_id, query).await
    }

    /// Changes a decision: `change` (the domain's `decide`, `concur` or `withdraw`) gets the
    /// current state and answers the next one with what happened, or refuses with any error
    /// the store can carry, such as a
    /// [`DecisionRefusal`](rhythm_domain::decision::DecisionRefusal) (which becomes [`StoreError::Refused`] or [`StoreError::Invalid`]).
    /// `action` names the change in the audit row. A refusal writes nothing.
    pub async fn update_decision<E: Into<StoreError>>(
        &self,
        actor: &Actor,
        id: Uuid,
        now: OffsetDateTime,
        action: &str,
        expected_version: Option<i64>,
        change: impl FnOnce(&Decision) -> Result<(Decision, DecisionEvent), E>,
    ) -> Result<Decision, StoreError> {
        let now = micros(now);
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Policy).await?;
        let current: Decision = fetch(&mut tx, ws, id).await?;
        if let Some(v) = expected_version
            && v != current.version
        {
            return Err(StoreError::Conflict(format!(
                "{} changed since version {v} (it is now at version {}): reload it and try again",
                current.reference(),
                current.version
            )));
        }
        let (next, event) = change(&current).map_err(Into::into)?;
        next.check()?;
        check_decision_refs(&mut tx, ws, &next).await?;
        save_row(&mut tx, ws, &current, &next).await?;
        audit::append(&mut tx, actor, now, action, Decision::KIND.as_str(), Some(id), Some(&current), Some(&next));
        // A policy_change decision that becomes decided applies its proposal, in this
        // transaction: either both happen or neither.
        if event == DecisionEvent::Decided && next.category == DecisionCategory::PolicyChange {
            proposals::apply_pending(&mut tx, actor, &next, now).await?;
        }
        tx.commit().await?;
        Ok(next)
    }

    /// The acting person, holding `role`, records the decision (audit action `decide`). A joint
    /// decision then awaits the other chief's [`Store::concur`].
    pub async fn decide(
        &self,
        actor: &Actor,
        id: Uuid,
        role: Role,
        input: DecideInput,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let user = person(actor, "deciding")?;
        let now = micros(now);
        self.update_decision(actor, id, now, "decide", None, |d| d.decide(input, user, role, now)).await
    }

    /// A chief puts their written position on an escalation on record (audit action
    /// `state_position`); the escalation authority decides once both are.
    pub async fn state_position(
        &self,
        actor: &Actor,
        id: Uuid,
        role: Role,
        position: &str,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        person(actor, "stating a position")?;
        let now = micros(now);
        self.update_decision(actor, id, now, "state_position", None, |d| d.state_position(position, role, now)).await
    }

    /// The other chief concurs with a joint decision (audit action `concur`).
    pub async fn concur(
        &self,
        actor: &Actor,
        id: Uuid,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let user = person(actor, "concurring")?;
        let now = micros(now);
        self.update_decision(actor, id, now, "concur", None, |d| d.concur(user, role, now)).await
    }

    /// The requester or a chief withdraws an undecided request (audit action `withdraw`).
    pub async fn withdraw_decision(
        &self,
        actor: &Actor,
        id: Uuid,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let user = person(actor, "withdrawing a decision request")?;
        let now = micros(now);
        self.update_decision(actor, id, now, "withdraw", None, |d| d.withdraw(user, role, now)).await
    }
}

/// The policy in force, read in the caller's transaction.
pub(crate) async fn policy_for_gate(tx: &mut Tx, ws: Uuid) -> Result<PolicyVersion, StoreError> {
    policy_in(tx, ws).await
}

/// Records a decision request inside the caller's transaction (locked for the workspace),
/// routed by the policy in force, with its audit row under `action`.
pub(crate) async fn create_decision_in(
    tx: &mut Tx,
    actor: &Actor,
    input: DecisionInput,
    now: OffsetDateTime,
    action: &str,
) -> Result<Decision, StoreError> {
    let ws = actor.workspace_id;
    let policy = policy_in(tx, ws).await?.policy;
    let number = next_number::<Decision>(tx, ws).await?;
    let new = New { id: new_id(), workspace_id: ws, number, now };
    let d = Decision::request(input, new, |c| policy.decider_for(c), actor.user_id)?;
    check_decision_refs(tx, ws, &d).await?;
    insert_row(tx, ws, &d).await?;
    audit::append(tx, actor, now, action, Decision::KIND.as_str(), Some(d.id), None::<&Decision>, Some(&d));
    Ok(d)
}

/// Decisions recorded as overrides of a release's gate.
pub(crate) async fn gate_overrides(tx: &mut Tx, ws: Uuid, release_id: Uuid) -> Result<Vec<Decision>, StoreError> {
    let rows = tx
        .all(
            "SELECT d.* FROM decisions d JOIN gate_overrides o ON o.decision_id = d.id \
             WHERE o.workspace_id = $1 AND o.release_id = $2 ORDER BY d.number",
            &[ws.into(), release_id.into()],
        )
        .await?;
    let mut items = rows.iter().map(Decision::from_row).collect::<Result<Vec<_>, _>>()?;
    load_links(tx, ws, &mut items).await?;
    Ok(items)
}

impl Store {
    /// Asks for an override of a release's STOP: a `stop_ship` decision request (decided by
    /// the escalation path the policy names) linked to the release and recorded as its
    /// override. The override counts once the decision is decided.
    pub async fn request_gate_override(
        &self,
        actor: &Actor,
        release_id: Uuid,
        input: DecisionInput,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let now = micros(now);
        let ws = actor.workspace_id;
        let mut input = input;
        input.category = Some(DecisionCategory::StopShip);
        if !input.release_ids.contains(&release_id) {
            input.release_ids.push(release_id);
        }
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Policy).await?;
        if !exists_in(&mut tx, ws, "releases", release_id).await? {
            return Err(StoreError::not_found("release", release_id));
        }
        let d = create_decision_in(&mut tx, actor, input, now, "request_override").await?;
        tx.exec(
            "INSERT INTO gate_overrides (decision_id, workspace_id, release_id, created_at) VALUES ($1, $2, $3, $4)",
            &[d.id.into(), ws.into(), release_id.into(), now.into()],
        )
        .await?;
        let opened = EscalationOpened::GateOverride {
            decision: d.reference(),
            decision_id: d.id,
            title: d.title.clone(),
            release_id,
        };
        crate::outbox::notify_in(&mut tx, ws, &Notification::EscalationOpened(opened), now).await?;
        tx.commit().await?;
        Ok(d)
    }
}
