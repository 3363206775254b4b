//! The rhythm binary's library side: demo data and its seeding, shared by the CLI and tests.

pub mod demo_data;
mod demo_governance;
pub mod seed;
