//! The `newsroom` binary: everything lives in `api`; this only sets up logs and hands over.

/// glibc's allocator spends a fifth of a GraphQL request's CPU in malloc and free (and in lock
/// contention between workers); mimalloc's thread-local heaps do not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A `.env` file in the working directory is optional; real environment variables win.
    let _ = dotenvy::dotenv();
    api::telemetry::init();
    api::cli::run(std::env::args_os()).await
}
