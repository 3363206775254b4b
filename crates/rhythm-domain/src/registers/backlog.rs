//! The one shared backlog, its epics, and the roadmap initiatives they serve.

use uuid::Uuid;

use super::shape::register;
use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::{EpicStatus, InitiativeStatus, ItemStatus, WorkKind};

register! {
    /// A roadmap initiative: shows security work as enablement.
    pub struct Initiative {
        number,
        name: text,
        /// The business goal it serves.
        business_goal: text,
        /// What it reduces (risk, toil) or enables (deals, launches).
        reduces_or_enables: text [default],
        status: InitiativeStatus [optional] = i.status.unwrap_or(InitiativeStatus::Proposed),
        /// `YYYY-Qn`.
        target_quarter: nonblank,
        version,
    }
    /// A new initiative.
    #[derive(Default)]
    pub struct InitiativeInput;
    /// Changes to an initiative.
    pub struct InitiativePatch;
    const KIND: Kind = Kind::Initiative;
    fn create(i, new: New);
    fn close() { status: InitiativeStatus::Done }
    fn check(self, c) {
        c.name("name", &self.name, 200);
        c.required_text("business_goal", &self.business_goal, 2000);
        c.text("reduces_or_enables", &self.reduces_or_enables, 2000);
        if let Some(q) = &self.target_quarter
            && !is_quarter(q)
        {
            c.fail("target_quarter", format!("'{q}' is not a quarter like 2026-Q3"));
        }
    }
}

impl Initiative {
    pub fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
}

fn is_quarter(q: &str) -> bool {
    let b = q.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5] == b'Q'
        && (b'1'..=b'4').contains(&b[6])
}

register! {
    /// An epic groups backlog items toward one outcome.
    pub struct Epic {
        number,
        name: text,
        description: text [default],
        initiative_id: Option<Uuid>,
        status: EpicStatus [no_input] = EpicStatus::Open,
        version,
    }
    /// A new epic.
    #[derive(Default)]
    pub struct EpicInput;
    /// Changes to an epic.
    pub struct EpicPatch;
    const KIND: Kind = Kind::Epic;
    fn close() { status: EpicStatus::Done }
    fn check(self, c) {
        c.name("name", &self.name, 200);
        c.text("description", &self.description, 4000);
    }
}

impl Epic {
    pub fn refs(&self) -> Vec<Ref> {
        ref_of("initiative_id", Target::Entry(Kind::Initiative), self.initiative_id)
    }
}

register! {
    /// An item of the one shared backlog.
    pub struct BacklogItem {
        number,
        title: text,
        description: text [default],
        kind: WorkKind,
        status: ItemStatus [optional] = status,
        /// Order in the shared backlog: lower comes first.
        rank: i64 [optional] = i.rank.unwrap_or(new.number * 1000),
        /// Estimate in points, 0 to 100.
        points: Option<i64>,
        epic_id: Option<Uuid>,
        system_id: Option<Uuid>,
        assignee_id: Option<Uuid>,
        due_date: opt_date,
        /// Key in an external tracker (`PAY-142`, `acme/api#17`).
        external_key: nonblank,
        external_url: nonblank,
        version,
        done_at: opt_utc [stored] = (status == ItemStatus::Done).then_some(new.now),
    }
    /// A new backlog item.
    #[derive(Default)]
    pub struct BacklogItemInput;
    /// Changes to a backlog item.
    pub struct BacklogItemPatch;
    const KIND: Kind = Kind::BacklogItem;
    fn create(i, new: New) {
        let status = i.status.unwrap_or(ItemStatus::Todo);
    }
    fn apply(self, p, now) -> v then {
        v.done_at = match (self.status, v.status) {
            (ItemStatus::Done, ItemStatus::Done) => self.done_at,
            (_, ItemStatus::Done) => Some(now),
            _ => None,
        };
    }
    fn close() { status: ItemStatus::Done }
    fn check(self, c) {
        c.name("title", &self.title, 300);
        c.text("description", &self.description, 20_000);
        if let Some(p) = self.points {
            c.range("points", p, 0, 100);
        }
        if let Some(k) = &self.external_key {
            c.name("external_key", k, 200);
        }
        c.url("external_url", self.external_url.as_deref());
    }
}

impl BacklogItem {
    pub fn refs(&self) -> Vec<Ref> {
        let mut v = ref_of("epic_id", Target::Entry(Kind::Epic), self.epic_id);
        v.extend(ref_of("system_id", Target::Entry(Kind::System), self.system_id));
        v.extend(ref_of("assignee_id", Target::User, self.assignee_id));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn new(n: i64) -> New {
        New { id: Uuid::nil(), workspace_id: Uuid::nil(), number: n, now: datetime!(2026-03-01 10:00 UTC) }
    }

    #[test]
    fn quarters_are_checked() {
        assert!(is_quarter("2026-Q3"));
        for bad in ["2026-Q5", "2026Q3", "26-Q1", "2026-q1"] {
            assert!(!is_quarter(bad), "{bad}");
        }
    }

    #[test]
    fn done_items_carry_done_at_and_default_rank_follows_number() {
        let i = BacklogItem::create(
            BacklogItemInput { title: "Rotate KMS keys".into(), kind: WorkKind::Security, ..Default::default() },
            new(7),
        )
        .unwrap();
        assert_eq!((i.rank, i.done_at), (7000, None));
        let later = datetime!(2026-03-05 10:00 UTC);
        let done = i.close(later).unwrap();
        assert_eq!(done.done_at, Some(later));
    }

    #[test]
    fn javascript_urls_are_refused() {
        let err = BacklogItem::create(
            BacklogItemInput {
                title: "x".into(),
                kind: WorkKind::Feature,
                external_url: Some("javascript:alert(1)".into()),
                ..Default::default()
            },
            new(1),
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "external_url");
    }
}
