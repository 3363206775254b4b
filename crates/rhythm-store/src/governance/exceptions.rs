//! Two-signature exceptions: request, sign, edit, withdraw, settle an escalation; the review
//! item an approval creates, the notifications each step enqueues, and the expiry job.

use rhythm_domain::decision::DecisionStatus;
use rhythm_domain::exception::Side;
use rhythm_domain::{BacklogItem, BacklogItemInput, BacklogItemPatch, WorkKind};
use rhythm_domain::{
    ExceptionCommand, ExceptionCtx, ExceptionEvent, ExceptionInput, ExceptionSignature, ExceptionStatus, FieldError,
    Invalid, New, Role,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{finish, person, policy_in, refused, rule};
use crate::audit::{self, micros};
use crate::db::{Tx, Val};
use crate::notification::{
    EscalationOpened, ExceptionFacts, Notification, Position, SignatureReason, SignatureRequested,
};
use crate::outbox::{Event, mark_of, notify_in, set_mark};
use crate::registers::{
    Lane, ListQuery, Page, create_in, fetch, insert_row, missing_refs, next_number, save_row, select_in, take_lane,
    update_in,
};
use crate::tables::Table;
use crate::{Actor, Store, StoreError, new_id};

type Exception = rhythm_domain::Exception;

/// What to check when an exception is written: always its users, systems and risks; the
/// rest only where it changed.
async fn check_exception_refs(
    tx: &mut Tx,
    ws: Uuid,
    before: Option<&Exception>,
    e: &Exception,
) -> Result<(), StoreError> {
    let mut errors = missing_refs(tx, ws, e.refs()).await?;
    if let Some(id) = e.escalation_decision_id
        && before.is_none_or(|b| b.escalation_decision_id != e.escalation_decision_id)
    {
        let status =
            tx.opt("SELECT status FROM decisions WHERE workspace_id = $1 AND id = $2", &[ws.into(), id.into()]).await?;
        match status {
            None => errors.push(FieldError {
                field: "escalation_decision_id".into(),
                message: format!("no decision with id {id} in this workspace"),
            }),
            Some(r) if r.parsed::<DecisionStatus>("status")? != DecisionStatus::Decided => errors.push(FieldError {
                field: "escalation_decision_id".into(),
                message: "the escalation decision is not decided yet".into(),
            }),
            Some(_) => {}
        }
    }
    // Each named owner must hold a role that can sign their side, or the request could never
    // be signed. Checked when named; the signer's role is checked again when they sign.
    for (side, field, id) in [
        (Side::Engineering, "engineering_owner_id", e.engineering_owner_id),
        (Side::Security, "security_owner_id", e.security_owner_id),
    ] {
        let named_before = before.is_some_and(|b| match side {
            Side::Engineering => b.engineering_owner_id == id,
            Side::Security => b.security_owner_id == id,
        });
        if named_before {
            continue;
        }
        let row = tx.opt("SELECT role FROM users WHERE workspace_id = $1 AND id = $2", &[ws.into(), id.into()]).await?;
        if let Some(row) = row {
            let role: Role = row.parsed("role")?;
            if !side.allows(role) {
                let roles: Vec<_> = side.roles().iter().map(|r| r.label()).collect();
                errors.push(FieldError {
                    field: field.into(),
                    message: format!(
                        "the {} owner signs the {} side and must be a {}; this person is a {}",
                        side.as_str(),
                        side.as_str(),
                        roles.join(" or "),
                        role.label()
                    ),
                });
            }
        }
    }
    finish(errors)
}

/// The (reference, score) of each of these risks of the workspace, for the risk appetite.
async fn risk_scores(tx: &mut Tx, ws: Uuid, ids: &[Uuid]) -> Result<Vec<(String, i64)>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = tx
            .opt("SELECT number, score FROM risks WHERE workspace_id = $1 AND id = $2", &[ws.into(), (*id).into()])
            .await?;
        if let Some(r) = row {
            out.push((rhythm_domain::Kind::Risk.reference(r.int("number")?), r.int("score")?));
        }
    }
    Ok(out)
}

/// `e` starts covering at `now`: its findings are `accepted` (`coverage.rs`) and so are its
/// risks — the one way a risk becomes accepted.
async fn start_covering(tx: &mut Tx, e: &Exception, now: OffsetDateTime) -> Result<(), StoreError> {
    crate::coverage::start_covering(tx, e, now).await?;
    for id in &e.risk_ids {
        move_risk(tx, e, *id, now, "accept", rhythm_domain::Risk::accepted_under_exception).await?;
    }
    Ok(())
}

/// `e` stops covering at `now`: its findings are open again (`coverage.rs`), and so are the
/// risks it had accepted that no other exception still covers.
async fn stop_covering(tx: &mut Tx, e: &Exception, now: OffsetDateTime) -> Result<(), StoreError> {
    crate::coverage::stop_covering(tx, e, now).await?;
    for id in &e.risk_ids {
        if !crate::coverage::risk_covered_by_other(tx, e.workspace_id, *id, e.id, now.date()).await? {
            move_risk(tx, e, *id, now, "reopen", rhythm_domain::Risk::reopened_after_exception).await?;
        }
    }
    Ok(())
}

/// Moves a risk `e` covers, audited as the system acting for the exception.
async fn move_risk(
    tx: &mut Tx,
    e: &Exception,
    id: Uuid,
    now: OffsetDateTime,
    action: &str,
    step: fn(&rhythm_domain::Risk, OffsetDateTime) -> Result<Option<rhythm_domain::Risk>, Invalid>,
) -> Result<(), StoreError> {
    let actor = Actor { workspace_id: e.workspace_id, user_id: None, label: format!("system ({})", e.reference()) };
    // A risk the step leaves as it is (closed, already accepted) is no write: update_in
    // records nothing for an unchanged entry.
    update_in::<rhythm_domain::Risk>(tx, &actor, id, now, action, None, |r| {
        step(r, now).map(|moved| moved.unwrap_or_else(|| r.clone()))
    })
    .await?;
    Ok(())
}

/// The audit action of a command.
fn action_of(cmd: &ExceptionCommand) -> &'static str {
    use ExceptionCommand as C;
    match cmd {
        C::Sign { .. } => "sign",
        C::Withdraw { .. } => "withdraw",
        C::Edit { .. } => "update",
        C::Expire => "expire",
        C::ResolveEscalation { .. } => "resolve_escalation",
    }
}

/// The title of an exception's review backlog item.
fn review_title(e: &Exception) -> String {
    let mut title = format!("Review {} before it expires on {}", e.reference(), e.expires_on);
    let rest = 200 - title.chars().count().min(200);
    if rest > 4 {
        let short: String = e.title.chars().take(rest - 3).collect();
        title.push_str(": ");
        title.push_str(&short);
    }
    title
}

/// Creates (or, when it was approved before, moves) the backlog item that reminds the owners
/// to review `e` on its review date, in the caller's transaction; returns the item's id. The
/// item is security work, due on `review_on`, assigned to the security owner and linked to
/// the exception's first system (a backlog item names one system).
async fn review_item(tx: &mut Tx, actor: &Actor, e: &Exception, now: OffsetDateTime) -> Result<Uuid, StoreError> {
    let title = review_title(e);
    let description = format!(
        "{} was approved and is valid from {} through {}. Before it expires, decide with both owners whether the \
         risk is fixed, whether it should be extended (a new request that supersedes it), or whether it lapses.\n\nScope: {}",
        e.reference(),
        e.starts_on,
        e.expires_on,
        e.scope
    );
    if let Some(existing) = e.review_item_id {
        let due = e.review_on;
        let item = update_in::<BacklogItem>(tx, actor, existing, now, "update", None, |cur| {
            cur.apply(
                BacklogItemPatch {
                    title: Some(title.clone()),
                    description: Some(description.clone()),
                    due_date: Some(Some(due)),
                    ..BacklogItemPatch::default()
                },
                now,
            )
        })
        .await?;
        return Ok(item.id);
    }
    let input = BacklogItemInput {
        title,
        description,
        kind: WorkKind::Security,
        system_id: e.system_ids.first().copied(),
        assignee_id: Some(e.security_owner_id),
        due_date: Some(e.review_on),
        ..BacklogItemInput::default()
    };
    let item = create_in::<BacklogItem>(tx, actor, now, |new| BacklogItem::create(input, new)).await?;
    Ok(item.id)
}

/// Enqueues `signature.requested` for both owners of `e`.
async fn signature_requested(
    tx: &mut Tx,
    e: &Exception,
    reason: SignatureReason,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let asked = SignatureRequested {
        exception_id: e.id,
        reference: e.reference(),
        title: e.title.clone(),
        engineering_owner_id: e.engineering_owner_id,
        security_owner_id: e.security_owner_id,
        starts_on: e.starts_on,
        expires_on: e.expires_on,
        reason,
    };
    notify_in(tx, e.workspace_id, &Notification::SignatureRequested(asked), now).await?;
    Ok(())
}

/// Enqueues `escalation.opened`: one side approved, the other rejected; both positions go
/// with it.
async fn escalation_opened(tx: &mut Tx, e: &Exception, now: OffsetDateTime) -> Result<(), StoreError> {
    let position = |s: Option<&ExceptionSignature>| {
        s.map(|s| Position { user_id: s.user_id, decision: s.decision, note: s.note.clone() })
    };
    let opened = EscalationOpened::Exception {
        exception_id: e.id,
        reference: e.reference(),
        title: e.title.clone(),
        engineering: position(e.signatures.engineering.as_ref()),
        security: position(e.signatures.security.as_ref()),
    };
    notify_in(tx, e.workspace_id, &Notification::EscalationOpened(opened), now).await?;
    Ok(())
}

/// How one step of the expiry job ended.
enum ExpiryStep {
    /// Nothing (more) is due in the workspace.
    Done,
    /// This one was looked at; it was expired if `Some`.
    Handled(Uuid, Option<Box<Exception>>),
}

impl Store {
    /// Records an exception request by the acting person, checked against the exception rules
    /// of the policy in force when it commits (read in its transaction, under the workspace
    /// lock that a policy change also takes). The named owners must be users of the workspace
    /// whose role signs their side; systems and risks must be the workspace's.
    pub async fn request_exception(
        &self,
        actor: &Actor,
        input: ExceptionInput,
        now: OffsetDateTime,
    ) -> Result<Exception, StoreError> {
        let requester = person(actor, "requesting an exception")?;
        let now = micros(now);
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Policy).await?;
        let rules = policy_in(&mut tx, ws).await?.policy.exceptions;
        let number = next_number::<Exception>(&mut tx, ws).await?;
        let new = New { id: new_id(), workspace_id: ws, number, now };
        let e = Exception::request(input, new, requester, &rules)?;
        check_exception_refs(&mut tx, ws, None, &e).await?;
        insert_row(&mut tx, ws, &e).await?;
        audit::append(
            &mut tx,
            actor,
            now,
            "create",
            Exception::KIND.as_str(),
            Some(e.id),
            None::<&Exception>,
            Some(&e),
        );
        signature_requested(&mut tx, &e, SignatureReason::Requested, now).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// One exception by id. Exceptions of other workspaces are "not found".
    pub async fn exception(&self, workspace_id: Uuid, id: Uuid) -> Result<Exception, StoreError> {
        self.get::<Exception>(workspace_id, id).await
    }

    /// One exception by its number (`EXC-7` → 7).
    pub async fn exception_by_number(&self, workspace_id: Uuid, number: i64) -> Result<Exception, StoreError> {
        self.get_by_number::<Exception>(workspace_id, number).await
    }

    /// One page of exceptions. Filters: `status`, `system`, `risk`, `finding`, `owner` (either
    /// side), `requester`, `awaiting_signature` (requested, and the user owns a side that is
    /// not signed yet), `supersedes`, `expires_before` (a date, inclusive). Sorts: `expires_on`
    /// (default, soonest first), `number`, `created_at`, `review_on`, `updated_at`. `q` searches
    /// title, business reason and scope.
    pub async fn list_exceptions(&self, workspace_id: Uuid, query: &ListQuery) -> Result<Page<Exception>, StoreError> {
        self.list::<Exception>(workspace_id, query).await
    }

    /// Moves an exception through its life cycle at `now`, under the exception rules of the
    /// policy in force when it commits (read in its transaction). The domain's refusals become
    /// [`StoreError::Refused`] (or [`StoreError::Invalid`] for field rules) and write nothing.
    /// Sign, withdraw and edit must name the acting person. Audit actions: `sign`, `withdraw`,
    /// `update`, `expire`, `resolve_escalation`.
    pub async fn transition_exception(
        &self,
        actor: &Actor,
        id: Uuid,
        command: ExceptionCommand,
        now: OffsetDateTime,
    ) -> Result<Exception, StoreError> {
        let now = micros(now);
        let action = action_of(&command);
        if let Some(user) = command.user_id()
            && actor.user_id != Some(user)
        {
            return Err(refused(
                true,
                rule::NOT_THE_ACTOR,
                format!("{} can {action} only as themselves, not for another person", actor.label),
            ));
        }
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        // The policy lane first (its rules are read here, as of commit), then coverage.
        take_lane(&mut tx, ws, Lane::Policy).await?;
        take_lane(&mut tx, ws, Lane::Coverage).await?;
        let policy = policy_in(&mut tx, ws).await?.policy;
        let current: Exception = fetch(&mut tx, ws, id).await?;
        if let ExceptionCommand::ResolveEscalation { decision_id, .. } = &command {
            // Only the escalation about this exception, recorded by the one who decided it.
            let user = person(actor, "settling an escalation")?;
            let decision: rhythm_domain::decision::Decision = match fetch(&mut tx, ws, *decision_id).await {
                Err(StoreError::NotFound { .. }) => {
                    let message = format!("no decision with id {decision_id} in this workspace");
                    return Err(Invalid::one("escalation_decision_id", message).into());
                }
                found => found?,
            };
            decision.may_settle(current.id, &current.reference(), user)?;
        }
        let over_appetite = match &command {
            ExceptionCommand::Sign { approve: true, .. } => {
                policy.risk_appetite.beyond(&risk_scores(&mut tx, ws, &current.risk_ids).await?)
            }
            _ => None,
        };
        let ctx = ExceptionCtx { rules: policy.exceptions, now, over_appetite };
        let (mut next, events) = current.transition(command, &ctx)?;
        check_exception_refs(&mut tx, ws, Some(&current), &next).await?;
        if events.contains(&ExceptionEvent::Approved) {
            next.review_item_id = Some(review_item(&mut tx, actor, &next, now).await?);
        }
        save_row(&mut tx, ws, &current, &next).await?;
        audit::append(&mut tx, actor, now, action, Exception::KIND.as_str(), Some(id), Some(&current), Some(&next));
        told_in(&mut tx, &next, &events, now).await?;
        // Its findings' history follows when it starts or stops covering them (approved on or
        // after its first day; voided while covering). Expiry is told by its event.
        let today = now.date();
        match (current.is_active_on(today), next.is_active_on(today)) {
            (false, true) => start_covering(&mut tx, &next, now).await?,
            (true, false) => stop_covering(&mut tx, &current, now).await?,
            _ => {}
        }
        tx.commit().await?;
        Ok(next)
    }

    /// Expires every requested or approved exception whose last valid day is before `now`'s
    /// date, in every workspace. Each one is expired in its own transaction with its own audit
    /// row (actor `system`), so one failure does not hold back the others.
    ///
    /// Safe when several instances run it at once: each step takes the coverage lane first
    /// (a lane is always a transaction's first lock, so no deadlock), then claims one due exception with
    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL and re-reads its status, so an exception another
    /// instance expired meanwhile is no longer due. On SQLite the write lock serializes steps.
    ///
    /// Each expiry enqueues `exception.expired` in its transaction.
    pub async fn expire_due_exceptions(&self, now: OffsetDateTime) -> Result<Vec<Exception>, StoreError> {
        let now = micros(now);
        let today = now.date();
        let mut tx = self.pool.read().await?;
        let rows = tx
            .all(
                "SELECT DISTINCT workspace_id FROM exceptions WHERE status IN ('requested', 'approved') AND expires_on < $1",
                &[today.into()],
            )
            .await?;
        tx.commit().await?;
        let mut expired = Vec::new();
        for row in rows {
            let ws = row.uuid("workspace_id")?;
            // Ids are claimed in order, so each step makes progress even if one is refused.
            let mut after: Option<Uuid> = None;
            while let ExpiryStep::Handled(id, done) = self.expire_next(ws, today, now, after).await? {
                after = Some(id);
                expired.extend(done.map(|e| *e));
            }
        }
        Ok(expired)
    }

    async fn expire_next(
        &self,
        ws: Uuid,
        today: Date,
        now: OffsetDateTime,
        after: Option<Uuid>,
    ) -> Result<ExpiryStep, StoreError> {
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Coverage).await?;
        let mut args = vec![Val::from(ws), Val::from(today)];
        let mut sql = "SELECT id FROM exceptions WHERE workspace_id = $1 AND status IN ('requested', 'approved') AND expires_on < $2".to_owned();
        if let Some(a) = after {
            args.push(a.into());
            sql.push_str(" AND id > $3");
        }
        sql.push_str(" ORDER BY id LIMIT 1");
        if tx.is_postgres() {
            sql.push_str(" FOR UPDATE SKIP LOCKED");
        }
        let Some(row) = tx.opt(&sql, &args).await? else {
            tx.commit().await?;
            return Ok(ExpiryStep::Done);
        };
        let id = row.uuid("id")?;
        let current: Exception = fetch(&mut tx, ws, id).await?;
        // Expiry checks no rule of the policy: the defaults stand in for it.
        let ctx = ExceptionCtx { rules: rhythm_domain::policy::ExceptionRules::default(), now, over_appetite: None };
        let (next, events) = match current.transition(ExceptionCommand::Expire, &ctx) {
            Ok(done) => done,
            Err(refusal) => {
                // The query and the domain disagree on what is due: leave it, and say so.
                tracing::warn!(exception = %current.reference(), rule = refusal.rule, "expiry refused: {}", refusal.message);
                tx.commit().await?;
                return Ok(ExpiryStep::Handled(id, None));
            }
        };
        save_row(&mut tx, ws, &current, &next).await?;
        let actor = Actor::system(ws);
        audit::append(&mut tx, &actor, now, "expire", Exception::KIND.as_str(), Some(id), Some(&current), Some(&next));
        // Told in the same transaction: the event exists exactly when the expiry does.
        told_in(&mut tx, &next, &events, now).await?;
        tx.commit().await?;
        Ok(ExpiryStep::Handled(id, Some(Box::new(next))))
    }

    /// Tells the targets of every workspace about each requested or approved exception that
    /// expires within the review lead time of the workspace's policy in force
    /// (`exceptions.review_lead_days`), counting from `now`'s date: one `exception.expiring`
    /// event per exception and expiry date, however often this runs (a moved expiry date is
    /// told again). Returns the exceptions told about in this run.
    ///
    /// Safe with several instances, like the expiry: each step takes the marks lane,
    /// claims one candidate (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and checks and writes the
    /// durable mark (`notification_marks`) in the same transaction as the outbox rows.
    pub async fn notify_expiring_exceptions(&self, now: OffsetDateTime) -> Result<Vec<Exception>, StoreError> {
        let now = micros(now);
        let today = now.date();
        let mut tx = self.pool.read().await?;
        // A lead time is shorter than the longest exception (at most 365 days).
        let rows = tx
            .all(
                "SELECT DISTINCT workspace_id FROM exceptions WHERE status IN ('requested', 'approved') \
                 AND expires_on >= $1 AND expires_on <= $2",
                &[today.into(), (today + time::Duration::days(366)).into()],
            )
            .await?;
        tx.commit().await?;
        let mut told = Vec::new();
        for row in rows {
            let ws = row.uuid("workspace_id")?;
            let mut after: Option<Uuid> = None;
            while let ExpiryStep::Handled(id, done) = self.notify_expiring_next(ws, today, now, after).await? {
                after = Some(id);
                told.extend(done.map(|e| *e));
            }
        }
        Ok(told)
    }

    async fn notify_expiring_next(
        &self,
        ws: Uuid,
        today: Date,
        now: OffsetDateTime,
        after: Option<Uuid>,
    ) -> Result<ExpiryStep, StoreError> {
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Marks).await?;
        let lead = policy_in(&mut tx, ws).await?.policy.exceptions.review_lead_days.clamp(0, 365);
        let horizon = today + time::Duration::days(lead);
        let mut args = vec![Val::from(ws), Val::from(today), Val::from(horizon)];
        let mut sql = "SELECT id FROM exceptions WHERE workspace_id = $1 AND status IN ('requested', 'approved') \
                       AND expires_on >= $2 AND expires_on <= $3"
            .to_owned();
        if let Some(a) = after {
            args.push(a.into());
            sql.push_str(" AND id > $4");
        }
        sql.push_str(" ORDER BY id LIMIT 1");
        if tx.is_postgres() {
            sql.push_str(" FOR UPDATE SKIP LOCKED");
        }
        let Some(row) = tx.opt(&sql, &args).await? else {
            tx.commit().await?;
            return Ok(ExpiryStep::Done);
        };
        let id = row.uuid("id")?;
        let e: Exception = fetch(&mut tx, ws, id).await?;
        let subject = id.to_string();
        let digest = e.expires_on.to_string();
        if mark_of(&mut tx, ws, Event::ExceptionExpiring, &subject).await?.is_some_and(|(d, _)| d == digest) {
            tx.commit().await?;
            return Ok(ExpiryStep::Handled(id, None));
        }
        set_mark(&mut tx, ws, Event::ExceptionExpiring, &subject, &digest, now).await?;
        let facts = exception_facts(&mut tx, &e).await?;
        notify_in(&mut tx, ws, &Notification::ExceptionExpiring(facts), now).await?;
        tx.commit().await?;
        Ok(ExpiryStep::Handled(id, Some(Box::new(e))))
    }
}

/// What follows from an accepted transition, in its transaction: the history of the findings
/// it covers and the notifications. (The review item of an approval is made before the row is
/// saved, as the row names it.)
async fn told_in(tx: &mut Tx, e: &Exception, events: &[ExceptionEvent], now: OffsetDateTime) -> Result<(), StoreError> {
    for event in events {
        match *event {
            ExceptionEvent::Voided => signature_requested(tx, e, SignatureReason::SignaturesVoided, now).await?,
            ExceptionEvent::Escalated => escalation_opened(tx, e, now).await?,
            ExceptionEvent::Expired { was_approved } => {
                if was_approved {
                    stop_covering(tx, e, now).await?;
                }
                let facts = exception_facts(tx, e).await?;
                notify_in(tx, e.workspace_id, &Notification::ExceptionExpired(facts), now).await?;
            }
            // What an approval covers is accepted when it starts covering (`coverage.rs`): on
            // approval when that is on or after its first day, else when the job starts it.
            ExceptionEvent::Approved
            | ExceptionEvent::Signed { .. }
            | ExceptionEvent::Rejected
            | ExceptionEvent::Edited
            | ExceptionEvent::Withdrawn
            | ExceptionEvent::EscalationResolved { .. } => {}
        }
    }
    Ok(())
}

/// The facts of an exception event: its reference, dates and what it covers (risks by
/// reference).
async fn exception_facts(tx: &mut Tx, e: &Exception) -> Result<ExceptionFacts, StoreError> {
    let mut risks = Vec::new();
    for id in &e.risk_ids {
        if let Some(r) = tx
            .opt("SELECT number FROM risks WHERE workspace_id = $1 AND id = $2", &[e.workspace_id.into(), (*id).into()])
            .await?
        {
            risks.push(rhythm_domain::Kind::Risk.reference(r.int("number")?));
        }
    }
    Ok(ExceptionFacts {
        exception: e.reference(),
        exception_id: e.id,
        title: e.title.clone(),
        status: e.status,
        starts_on: e.starts_on,
        expires_on: e.expires_on,
        review_on: e.review_on,
        risks,
        finding_ids: e.finding_ids.clone(),
        system_ids: e.system_ids.clone(),
        engineering_owner_id: e.engineering_owner_id,
        security_owner_id: e.security_owner_id,
        expired_at: e.expired_at,
    })
}

/// Approved exceptions of the workspace (the gate decides which are active on its day).
/// Approved exceptions and requests still waiting for signatures: the gate judges by the
/// approved ones and shows the waiting ones on the evidence they would cover.
pub(crate) async fn gate_exceptions(tx: &mut Tx, ws: Uuid) -> Result<Vec<Exception>, StoreError> {
    let (approved, requested) = (ExceptionStatus::Approved.as_str(), ExceptionStatus::Requested.as_str());
    select_in::<Exception>(tx, ws, "status IN ($2, $3)", &[approved.into(), requested.into()]).await
}

impl Store {
    /// Starts every approved exception whose first day has come (`now`'s date) and whose
    /// history has no `started` yet — the ones approved ahead of their first day — in every
    /// workspace: `coverage::start_covering`, one workspace at a time in its coverage lane. Returns how many
    /// started. The governance job runs it with the expiry.
    pub async fn start_due_exceptions(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        let now = micros(now);
        let today = now.date();
        let due_sql = "SELECT e.id, e.workspace_id FROM exceptions e WHERE e.status = 'approved' \
             AND e.starts_on <= $1 AND e.expires_on >= $1 AND NOT EXISTS (SELECT 1 FROM entry_events h \
             WHERE h.entry_id = e.id AND h.kind = 'exception' AND h.event = 'started') ORDER BY e.workspace_id, e.id";
        let mut tx = self.pool.read().await?;
        let rows = tx.all(due_sql, &[today.into()]).await?;
        tx.commit().await?;
        let mut workspaces: Vec<Uuid> = rows.iter().map(|r| r.uuid("workspace_id")).collect::<Result<_, _>>()?;
        workspaces.dedup();
        let mut started = 0;
        for ws in workspaces {
            let mut tx = self.pool.write().await?;
            take_lane(&mut tx, ws, Lane::Coverage).await?;
            // Read again under the lock: another instance may have started them meanwhile.
            let ids: Vec<Uuid> = tx
                .all(due_sql, &[today.into()])
                .await?
                .iter()
                .filter(|r| r.uuid("workspace_id").is_ok_and(|w| w == ws))
                .map(|r| r.uuid("id"))
                .collect::<Result<_, _>>()?;
            for id in ids {
                let e: Exception = fetch(&mut tx, ws, id).await?;
                start_covering(&mut tx, &e, now).await?;
                started += 1;
            }
            tx.commit().await?;
        }
        Ok(started)
    }
}
