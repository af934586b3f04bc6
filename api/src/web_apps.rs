//! The web apps' production build (`web/dist`, committed), embedded in the binary so a
//! fresh clone serves the admin console without Node. Each app lives under its own base
//! (`/admin/` for the console, `/m/` for the member H5): files are served as built, any other path under the base is
//! a client-side route and gets the app's `index.html`.

use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use rust_embed::RustEmbed;

use crate::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../web/dist/"]
struct Dist;

/// Vite names every file under `assets/` by its content hash, so a browser may keep it
/// for good; `index.html` names the current hashes and must be checked every time.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// Serves the app built into `web/dist/<dir>/` (nested at its base path).
pub struct WebApp {
    dir: &'static str,
}

impl WebApp {
    pub const fn new(dir: &'static str) -> Self {
        Self { dir }
    }

    fn file(&self, rest: &str) -> Option<(rust_embed::EmbeddedFile, bool)> {
        let rest = rest.trim_start_matches('/');
        if !rest.is_empty()
            && let Some(file) = Dist::get(&format!("{}/{rest}", self.dir))
        {
            return Some((file, rest.starts_with("assets/")));
        }
        // A missing hashed asset is a 404 (an old page asking for a file of an older
        // build), never the page itself in its place.
        if rest.starts_with("assets/") {
            return None;
        }
        Dist::get(&format!("{}/index.html", self.dir)).map(|f| (f, false))
    }
}

impl Endpoint for WebApp {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let Some((file, hashed)) = self.file(req.uri().path()) else {
            return Err(ApiError::NotFound("文件").into());
        };
        let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
        let cache = if hashed { IMMUTABLE } else { NO_CACHE };
        let unchanged = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == etag.as_bytes());
        let builder = Response::builder()
            .header(header::CACHE_CONTROL, cache)
            .header(header::ETAG, etag);
        if unchanged {
            return Ok(builder.status(StatusCode::NOT_MODIFIED).finish());
        }
        Ok(builder
            .content_type(file.metadata.mimetype())
            .body(file.data.into_owned())
            .into_response())
    }
}

/// `/` → the admin console. (A middleware: the OpenAPI service nested at `/` would
/// take the bare `/` from a route of its own.)
pub async fn redirect_root<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    if req.uri().path() == "/" {
        return Ok(Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, "/admin/")
            .finish());
    }
    next.call(req).await.map(IntoResponse::into_response)
}
