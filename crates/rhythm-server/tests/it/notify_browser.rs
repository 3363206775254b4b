//! The notification settings page in a real browser: add a target (with a refused URL first),
//! send a test, disable it, and axe-core finds no serious or critical violation on any state
//! of the page. Runs in the serial browser group (the module name contains "browser").

use rhythm_store::Backend;

use crate::TestServer;
use crate::browser::{Axe, Browser};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_settings_in_a_browser() {
    let server = TestServer::start(Backend::Sqlite).await;
    let mut axe = Axe::load();
    let b = Browser::start(&server.url, "notify").await;
    b.sign_in(&server.emails[&rhythm_domain::Role::Ciso]).await;
    b.goto("/settings/notifications").await;
    b.find("#add-title").await;
    axe.check(&b, "notifications-empty").await;

    // A refused URL: the form comes back with the error tied to the field.
    b.type_into("#n-target", "gopher://hooks.example/x").await;
    b.click("form[action='/settings/notifications'] button[type=submit]").await;
    b.find("#n-target-error").await;
    assert_eq!(b.attr("#n-target", "aria-invalid").await.as_deref(), Some("true"));
    assert!(b.attr("#n-target", "aria-describedby").await.unwrap_or_default().contains("n-target-error"));
    axe.check(&b, "notifications-error").await;

    // A good one, with one event ticked.
    b.type_into("#n-target", "https://hooks.example/T0/B0/xyz").await;
    b.type_into("#n-secret", "whsec-browser-0123456789").await;
    b.click("input[name=events][value='exception.expired']").await;
    b.click("form[action='/settings/notifications'] button[type=submit]").await;
    let flash = b.text(".flash-ok").await;
    assert!(flash.contains("Added the webhook target"), "{flash}");
    let targets = server.db.store.list_notification_targets(server.workspace_id).await.unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].events, vec![rhythm_store::Event::ExceptionExpired]);

    // Send a test: it shows under recent deliveries.
    b.click("form[action$='/test'] button").await;
    let flash = b.text(".flash-ok").await;
    assert!(flash.contains("test notification is queued"), "{flash}");
    b.find("table.data td").await;
    axe.check(&b, "notifications-listed").await;

    assert!(axe.failures.is_empty(), "axe-core found serious problems:\n{}", axe.failures.join("\n"));
    for n in &axe.notes {
        eprintln!("axe note: {n}");
    }
    b.close().await;
}
