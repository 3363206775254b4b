//! Server tests: a real HTTP server on a random port over a real database (SQLite file or a
//! fresh PostgreSQL database), driven through HTTP like any client.

mod api;
mod browser;
mod browser_exceptions;
mod exceptions;
mod harness;
mod notify;
mod registers;

pub use harness::TestServer;
