//! The `staffprobot` binary: command line, configuration and wiring of the adapters.

mod background;
mod cli;
mod config;
mod jobs_cli;
mod metrics;
mod serve;
mod wiring;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let config = match config::Config::from_env() {
        Ok(c) => c,
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            eprintln!("StaffProBot did not start: fix the environment variables above.");
            return ExitCode::from(2);
        }
    };
    telemetry::init_with(config.log_format, config.metrics_enabled);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(cli::execute(cli, config));
    // Work still running past the shutdown deadline (a blocking database call) must not hold
    // the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}`: the error with every cause, on one line.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
