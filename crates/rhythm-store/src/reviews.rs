//! How a design review ends (in a decision, or in a spike with a deadline) and how a vendor's
//! onboarding becomes a joint decision. Each is one transaction that writes both entries and
//! their audit rows.

use rhythm_domain::decision::{Decision, DecisionInput};
use rhythm_domain::policy::DecisionCategory;
use rhythm_domain::{BacklogItem, BacklogItemInput, DesignReview, Invalid, Kind, Vendor, WorkKind};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::micros;
use crate::governance::create_decision_in;
use crate::registers::{Lane, create_in, fetch, lock_workspace, take_lane, update_in};
use crate::{Actor, Store, StoreError};

impl Store {
    /// Ends a design review in a spike: a backlog item (security work on the review's system,
    /// due on `due_date`) that answers what the review could not.
    pub async fn end_design_review_in_spike(
        &self,
        actor: &Actor,
        id: Uuid,
        title: &str,
        due_date: Option<Date>,
        now: OffsetDateTime,
    ) -> Result<(DesignReview, BacklogItem), StoreError> {
        let now = micros(now);
        let Some(due_date) = due_date else {
            return Err(Invalid::one("due_date", "a spike has a deadline: give its due date").into());
        };
        if due_date < now.date() {
            return Err(
                Invalid::one("due_date", format!("a spike's deadline is ahead: {due_date} is in the past")).into()
            );
        }
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, ws).await?;
        let review = fetch::<DesignReview>(&mut tx, ws, id).await?;
        // Check the review can end before writing the spike.
        review.conclude(None, Some(Uuid::nil()), now)?;
        let input = BacklogItemInput {
            title: title.trim().to_owned(),
            description: format!(
                "Spike from design review {}: {}. Answer it by {due_date} and bring it back to the architecture review.",
                Kind::DesignReview.reference(review.number),
                review.title
            ),
            kind: WorkKind::Security,
            status: None,
            rank: None,
            points: None,
            epic_id: None,
            system_id: review.system_id,
            assignee_id: None,
            due_date: Some(due_date),
            external_key: None,
            external_url: None,
        };
        let item = create_in::<BacklogItem>(&mut tx, actor, now, |n| BacklogItem::create(input, n)).await?;
        let ended = update_in::<DesignReview>(&mut tx, actor, id, now, "end_in_spike", None, |r| {
            r.conclude(None, Some(item.id), now)
        })
        .await?;
        tx.commit().await?;
        Ok((ended, item))
    }

    /// Ends a design review in a decision: a decision request (by default a new core pattern,
    /// decided jointly) linked from the review.
    pub async fn end_design_review_in_decision(
        &self,
        actor: &Actor,
        id: Uuid,
        mut input: DecisionInput,
        now: OffsetDateTime,
    ) -> Result<(DesignReview, Decision), StoreError> {
        let now = micros(now);
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Policy).await?;
        let review = fetch::<DesignReview>(&mut tx, ws, id).await?;
        review.conclude(Some(Uuid::nil()), None, now)?;
        input.category = input.category.or(Some(DecisionCategory::NewCorePatterns));
        if input.context.trim().is_empty() {
            input.context =
                format!("From design review {}: {}", Kind::DesignReview.reference(review.number), review.title);
        }
        let d = create_decision_in(&mut tx, actor, input, now, "create").await?;
        let ended = update_in::<DesignReview>(&mut tx, actor, id, now, "end_in_decision", None, |r| {
            r.conclude(Some(d.id), None, now)
        })
        .await?;
        tx.commit().await?;
        Ok((ended, d))
    }

    /// Asks for the joint decision that adopting a vendor is: its data flows, breach clause and
    /// access model go into the decision's context. A vendor has one open onboarding at a time.
    pub async fn request_vendor_onboarding(
        &self,
        actor: &Actor,
        vendor_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<(Vendor, Decision), StoreError> {
        let now = micros(now);
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Policy).await?;
        let vendor = fetch::<Vendor>(&mut tx, ws, vendor_id).await?;
        if let Some(d) = vendor.onboarding_decision_id {
            let status = tx
                .opt("SELECT number, status FROM decisions WHERE workspace_id = $1 AND id = $2", &[ws.into(), d.into()])
                .await?;
            if let Some(row) = status
                && row.text("status")? != "withdrawn"
            {
                return Err(StoreError::Conflict(format!(
                    "{} already has its onboarding decision DEC-{} ({}); withdraw it before asking again",
                    Kind::Vendor.reference(vendor.number),
                    row.int("number")?,
                    row.text("status")?
                )));
            }
        }
        let mut missing = Vec::new();
        for (field, value, what) in [
            ("data_flows", &vendor.data_flows, "its data flows"),
            ("breach_clause", &vendor.breach_clause, "its breach clause"),
            ("access_model", &vendor.access_model, "its access model"),
        ] {
            if value.trim().is_empty() {
                missing.push(rhythm_domain::FieldError {
                    field: field.to_owned(),
                    message: format!("record {what} before asking for the onboarding decision"),
                });
            }
        }
        if !missing.is_empty() {
            return Err(Invalid(missing).into());
        }
        let notice = vendor.breach_notification_hours.map_or_else(
            || "no notification deadline in the contract".to_owned(),
            |h| format!("notification within {h} hours"),
        );
        let input = DecisionInput {
            title: format!("Onboard {} ({})", vendor.name, Kind::Vendor.reference(vendor.number)),
            category: Some(DecisionCategory::MajorThirdPartyIntegrations),
            context: format!(
                "Purpose: {}\nMost sensitive data: {}\nData flows: {}\nBreach clause: {} ({notice})\nAccess model: {}",
                vendor.purpose,
                vendor.data_tier.label(),
                vendor.data_flows,
                vendor.breach_clause,
                vendor.access_model
            ),
            options: vec![
                format!("Adopt {} as proposed", vendor.name),
                format!("Adopt {} with conditions (name them in the choice)", vendor.name),
                format!("Do not adopt {}", vendor.name),
            ],
            ..Default::default()
        };
        let d = create_decision_in(&mut tx, actor, input, now, "request_onboarding").await?;
        let vendor = update_in::<Vendor>(&mut tx, actor, vendor_id, now, "request_onboarding", None, |v| {
            let mut next = v.clone();
            next.onboarding_decision_id = Some(d.id);
            next.version += 1;
            next.updated_at = now;
            Ok(next)
        })
        .await?;
        tx.commit().await?;
        Ok((vendor, d))
    }
}
