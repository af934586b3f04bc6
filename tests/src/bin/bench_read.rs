//! Peak memory of reading the largest allowed roster file, for `/usr/bin/time -v`:
//!
//!     bench_read generate /tmp/roster.xlsx 200000   # writes the file (a process of its own)
//!     /usr/bin/time -v bench_read read /tmp/roster.xlsx 200000
//!
//! `read` does what the worker's read step does: the reader with the default limits
//! (the row limit given), printing the rows read (`unzip -l` shows the parts' sizes).

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, path) = (args.get(1).context("mode")?, args.get(2).context("path")?);
    let n: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(200_000);
    match mode.as_str() {
        "generate" => {
            std::fs::write(path, tests::roster_file::generate(n)?)?;
        }
        "read" => {
            let bytes = std::fs::read(path)?;
            let settings = jobs::Settings::embedded("/tmp");
            let limits = jobs::import::reader::Limits {
                max_rows: n,
                max_uncompressed_bytes: settings.import_max_uncompressed_mb << 20,
            };
            let started = std::time::Instant::now();
            match jobs::import::reader::read(&bytes, limits) {
                Ok(rows) => println!("{} rows in {:?}", rows.len(), started.elapsed()),
                Err(e) => println!("refused: {e} after {:?}", started.elapsed()),
            }
        }
        other => anyhow::bail!("unknown mode {other}"),
    }
    Ok(())
}
