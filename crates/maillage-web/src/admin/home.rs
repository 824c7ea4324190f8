//! The dashboard: the queue's size and the places' freshness for the team, a gestionnaire's
//! own places.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maillage_app::accounts::Permission;
use maillage_app::{campaigns, moderation};
use maillage_store::Role;

use super::now;
use crate::extract::{App, SignedIn};
use crate::pages::Layout;
use crate::render::{layout, render, Frame};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new().route("/admin", get(home))
}

#[derive(Template)]
#[template(path = "admin/accueil.html")]
struct HomePage {
    layout: Layout,
    frame: Option<Frame>,
    pending: usize,
    reports: usize,
    places: Vec<(String, String)>,
    freshness: Vec<(&'static str, &'static str, usize)>,
}

async fn home(user: SignedIn, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (pending, reports, places, freshness) = app
        .run(move |ctx| {
            let (pending, reports, freshness) = if actor.may(ctx, Permission::SeeQueue) {
                let (items, reports) = moderation::queue(ctx, &actor)?;
                let today = maillage_domain::hours::paris_local(now()).date();
                let freshness = campaigns::freshness_counts(ctx, &actor, today)?
                    .into_iter()
                    .map(|(class, count)| (class.key(), class.label(), count))
                    .collect();
                (items.len(), reports.len(), freshness)
            } else {
                (0, 0, Vec::new())
            };
            let mut places = Vec::new();
            if let Some(Role::Gestionnaire { places: ids }) = actor.user().map(|user| &user.role) {
                for id in ids {
                    if let Some(place) = ctx.store.place(id)? {
                        places.push((place.id.0.clone(), place.record.nom.clone()));
                    }
                }
            }
            Ok((pending, reports, places, freshness))
        })
        .await?;
    Ok(render(
        StatusCode::OK,
        &HomePage { layout: layout("Administration"), frame: Frame::of(&user), pending, reports, places, freshness },
    ))
}
