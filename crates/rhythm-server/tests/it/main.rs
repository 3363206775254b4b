//! Server tests: a real HTTP server on a random port over a real database (SQLite file or a
//! fresh PostgreSQL database), driven through HTTP like any client.

mod api;
mod browser;
mod browser_decisions;
mod browser_exceptions;
mod browser_gate;
mod browser_imports;
mod bypass;
mod decisions;
mod exceptions;
mod gate;
mod harness;
mod imports;
mod jobs;
mod notify;
mod notify_browser;
mod pentest;
mod registers;
mod reviews;
mod rules;
mod web_imports;

pub use harness::TestServer;
