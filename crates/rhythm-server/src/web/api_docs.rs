//! Interactive API documentation: Swagger UI (from the swagger-ui-dist crate) on our own page,
//! so no inline script is needed and nothing loads from a CDN.

use axum::response::Html;
use maud::{DOCTYPE, html};

pub async fn page(_user: super::WebUser) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { "Rhythm API" }
                    link rel="stylesheet" href="/api/docs/assets/swagger-ui.css";
                }
                body {
                    main { h1 class="sr-only" { "Rhythm API" } div id="swagger-ui" {} }
                    script src="/api/docs/assets/swagger-ui-bundle.js" {}
                    script src="/static/api-docs.js" {}
                }
            }
        }
        .into_string(),
    )
}
