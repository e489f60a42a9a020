//! `kubedeck`: one binary that serves the API and console, runs migrations, and administers accounts and keys.

mod admin;
mod backup;
mod config;
mod healthcheck;
mod serve;
mod tls;

use clap::{Parser, Subcommand};

/// Kubedeck: manage many Kubernetes clusters from one small binary.
#[derive(Parser)]
#[command(name = "kubedeck", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the console and the background sync.
    Serve(config::ServeArgs),
    /// Apply database migrations and exit.
    Migrate(config::CommonArgs),
    /// Account and key administration (works on the database directly).
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Exit 0 when the Kubedeck at URL is ready (its /readyz answers 200), 1 otherwise: the container image's
    /// health check (the image has no shell or curl).
    Healthcheck {
        /// The readiness URL to ask (plain HTTP).
        #[arg(long, default_value = "http://127.0.0.1:8080/readyz", env = "KUBEDECK_HEALTHCHECK_URL")]
        url: String,
    },
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
    /// Print the version and exit.
    Version,
}

/// mimalloc returns freed memory to the system per page instead of per thread arena: see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve(args) => rt.block_on(serve::run(args)),
        Command::Migrate(args) => rt.block_on(async {
            let cfg = config::Settings::load(&args)?;
            config::init_logging(&cfg);
            let store = kubedeck_store::Store::connect(&cfg.database_url).await?;
            let n = store.migrate().await?;
            println!("migrations applied: {n}");
            Ok(())
        }),
        Command::Admin { command } => rt.block_on(admin::run(command)),
        Command::Healthcheck { url } => match healthcheck::check(&url) {
            Ok(status) => {
                println!("{status}");
                Ok(())
            }
            Err(why) => {
                eprintln!("kubedeck: not ready: {why}");
                std::process::exit(1);
            }
        },
        Command::Openapi => {
            use utoipa::OpenApi;
            println!(
                "{}",
                kubedeck_api::openapi::ApiDoc::openapi().to_pretty_json()?
            );
            Ok(())
        }
        Command::Version => {
            println!("kubedeck {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    }
}
