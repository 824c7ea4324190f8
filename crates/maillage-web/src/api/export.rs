//! `GET /api/v1/export`: the active places in the standard's CSV, JSON or GeoJSON, or as
//! data·inclusion v1 structures or services, streamed from the store as they are written, rate
//! limited per client.

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, Request};
use axum::response::{IntoResponse, Response};
use maillage_app::places::export::{export_places, ExportFilter};
use maillage_formats::export::ExportFormat;
use tokio::sync::mpsc;

use super::contract;
use crate::query::Params;
use crate::{WebError, WebState};

/// Bytes are handed to the response in chunks of this size.
const CHUNK: usize = 64 * 1024;

#[utoipa::path(
    get,
    path = "/api/v1/export",
    summary = "Export au format du standard ou de data·inclusion",
    description = "Les lieux actifs au format du standard (CSV, JSON ou GeoJSON), ou au schéma data·inclusion v1 (structures ; services : un par lieu et type d'aide), transmis au fil de l'eau. Limité par client : 5 exports d'affilée puis un toutes les 12 secondes ; au-delà, réponse 429 avec l'en-tête Retry-After.",
    params(contract::Export),
    responses(
        (status = 200, description = "Le fichier.", content(
            (String = "text/csv"),
            ([Object] = "application/json"),
            (Object = "application/geo+json"),
        )),
        contract::Refused,
        (status = 429, description = "Trop d'exports demandés ; réessayer après le délai de l'en-tête Retry-After.", body = contract::Erreur),
    )
)]
pub async fn export(State(state): State<WebState>, request: Request<Body>) -> Result<Response, WebError> {
    let raw = request.uri().query().map(str::to_owned);
    let client = crate::extract::ClientAddress::of(request.extensions()).0;
    let RawQuery(raw) = RawQuery(raw);
    let mut params = Params::parse(raw.as_deref())?;
    const FORMATS: &str = "csv, json, geojson, data-inclusion-structures ou data-inclusion-services attendu";
    let format = match params.get("format")? {
        None => return Err(WebError::bad_parameter("format", FORMATS)),
        Some(text) => ExportFormat::parse(text).ok_or_else(|| WebError::bad_parameter("format", FORMATS))?,
    };
    let directory = state.directory.current();
    let areas = params
        .get("territoire")?
        .map(|text| directory.parse_areas(text).map_err(|err| WebError::bad_parameter("territoire", err.to_string())))
        .transpose()?
        .unwrap_or_default();
    let source = params.get("source")?.map(str::to_owned);
    params.finish()?;
    if let Err(wait) = state.export_limiter.check(client) {
        let seconds = wait.as_secs() + 1;
        let message = format!("trop d'exports demandés : réessayez dans {seconds} s");
        return Err(WebError::too_many("Trop de demandes", message, Some(seconds)));
    }
    let filter = ExportFilter {
        source,
        areas,
        data_inclusion: Some(state.open_data.data_inclusion()),
        visible: Some(directory.visibility()),
        ..ExportFilter::default()
    };
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter { sender, buffer: Vec::with_capacity(CHUNK) };
        let result = export_places(state.store.as_ref(), Some(&state.territory), format, &filter, &mut out)
            .map_err(|err| err.to_string())
            .and_then(|_| out.flush().map_err(|err| err.to_string()));
        if let Err(err) = result {
            // Headers are gone already: the client sees a truncated body; the log says why.
            tracing::error!(%err, "export interrompu");
            let _ = out.sender.blocking_send(Err(std::io::Error::other("export interrompu")));
        }
    });
    // A closed channel keeps answering `None`: the compression layer polls the body once
    // more after its end, which a stream that panics when polled again (`unfold`) cannot take.
    let mut receiver = receiver;
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let (content_type, name) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "lieux.csv"),
        ExportFormat::Json => ("application/json", "lieux.json"),
        ExportFormat::GeoJson => ("application/geo+json", "lieux.geojson"),
        ExportFormat::DataInclusionStructures => ("application/json", "structures.json"),
        ExportFormat::DataInclusionServices => ("application/json", "services.json"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(WebError::internal)?,
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A writer whose bytes go to the response body, in chunks, from a blocking thread.
struct ChannelWriter {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client parti"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
