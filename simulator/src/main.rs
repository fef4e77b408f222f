//! `servicenow-sim`: parses arguments, loads the tool specs, starts the server, prints
//! the one "listening" line and serves until the process is stopped (SIGTERM/SIGINT
//! end it; there is nothing to flush).

use servicenow_simulator::cli::{self, Command};
use servicenow_simulator::{server, Schema, Simulator};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("servicenow-sim: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let options = match cli::parse_args(std::env::args().skip(1))? {
        Command::Help => {
            // A closed pipe (`| head`) is no error worth a panic.
            let _ = writeln!(std::io::stdout(), "{}", cli::USAGE);
            return Ok(());
        }
        Command::Run(options) => options,
    };
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let exe = std::env::current_exe().ok();
    let specs = cli::resolve_specs_dir(options.specs.as_deref(), &cwd, exe.as_deref())?;
    let schema = Schema::load_dir(&specs).map_err(|e| e.to_string())?;
    let simulator = Simulator::new(schema, options.seed, options.settings())
        .with_attachment_policy(options.attachment_policy.clone());
    eprintln!(
        "servicenow-sim: {} tables from {}, seed {}",
        simulator.schema().len(),
        specs.display(),
        options.seed.as_str()
    );
    if !simulator.unseeded_tables().is_empty() {
        eprintln!(
            "servicenow-sim: no spec for seed tables {}; their demo rows are skipped",
            simulator.unseeded_tables().join(", ")
        );
    }
    let handle = server::start(&options.host, options.port, simulator)?;
    if let Some(path) = &options.port_file {
        // Write then rename, so a reader never sees a half-written port.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, handle.port().to_string())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| format!("cannot write --port-file {}: {e}", path.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "servicenow-sim listening on {}", handle.base_url())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(stdout);
    handle.wait();
    Ok(())
}
