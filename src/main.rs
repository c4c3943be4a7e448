//! The `newsroom` binary: everything lives in `api`; this only sets up logs and hands over.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    api::telemetry::init();
    api::cli::run(std::env::args_os()).await
}
