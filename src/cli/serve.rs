//! `roster serve`: the WebCal feeds of the live directory over HTTP, until
//! SIGTERM or Ctrl-C.

use clap::Args;

use super::settings::Settings;
use super::{DatabaseArgs, ExitStatus, Failure};
use crate::serve::{self, Clock, ServerState};
use crate::store::{EngineKind, Store};

/// Arguments of `roster serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on (loopback unless told otherwise;
    /// put a TLS-terminating proxy in front for other machines).
    #[arg(long, value_name = "ADDR", default_value = serve::DEFAULT_LISTEN)]
    listen: String,
    /// Database connections to read with at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    connections: u32,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Runs `roster serve`.
pub fn run(args: ServeArgs, settings: &Settings) -> ExitStatus {
    let output = &settings.output;
    match super::runtime().block_on(serve(args, settings)) {
        Ok(status) => status,
        Err(failure) => failure.report(output),
    }
}

async fn serve(args: ServeArgs, settings: &Settings) -> Result<ExitStatus, Failure> {
    let output = &settings.output;
    let clock = if settings.now_fixed {
        Clock::Fixed(settings.now()?)
    } else {
        Clock::System
    };
    let url = args.database.url()?;
    // The server only reads: it neither creates a database nor migrates one.
    if url.engine() == EngineKind::Sqlite && !std::path::Path::new(url.sqlite_path()).exists() {
        return Err(Failure {
            message: format!("there is no database at {}", url.masked()),
            hint: Some("apply a config first, or give `--database-url`".into()),
            document: None,
        });
    }
    let store = Store::open_with(&url, args.connections, true)
        .await
        .map_err(|e| Failure::store(e, &url))?;
    if !store.is_current().await {
        return Err(Failure {
            message: format!(
                "the database at {} is not at this roster's schema",
                store.location()
            ),
            hint: Some(
                "`roster db status` tells why; `roster db migrate` brings it up to date".into(),
            ),
            document: None,
        });
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| Failure {
            message: format!("cannot listen on `{}`: {e}", args.listen),
            hint: Some("give `--listen ADDR:PORT` with a free port".into()),
            document: None,
        })?;
    let address = listener
        .local_addr()
        .map_err(|e| Failure::message(format!("cannot listen on `{}`: {e}", args.listen)))?;
    output.message(&format!(
        "serving the calendar feeds of {} on http://{address} (SIGTERM or Ctrl-C stops)\n",
        store.location()
    ));
    let state = ServerState { store, clock };
    serve::serve(listener, state, serve::shutdown_signal())
        .await
        .map_err(|e| Failure::message(format!("the server failed: {e}")))?;
    output.message("stopped: every request under way was answered\n");
    Ok(ExitStatus::Success)
}
