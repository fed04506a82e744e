//! Serves the fake Telegram Bot API until Ctrl-C, so a person can drive a bot through it with
//! curl (docs/fake-telegram.md). `FAKE_TELEGRAM_ADDR` (default 127.0.0.1:8081) and
//! `FAKE_TELEGRAM_TOKEN` (default `FakeTelegram::DEFAULT_TOKEN`) configure it.
//!
//! `cargo run -p testkit --example fake_telegram`

use testkit::telegram::FakeTelegram;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("FAKE_TELEGRAM_ADDR").unwrap_or_else(|_| "127.0.0.1:8081".into());
    let mut builder = FakeTelegram::builder().bind(addr.parse()?);
    if let Ok(token) = std::env::var("FAKE_TELEGRAM_TOKEN") {
        builder = builder.token(&token);
    }
    let tg = builder.start().await?;
    println!(
        "fake Telegram Bot API at {} with token {}",
        tg.api_url(),
        tg.token()
    );
    println!("control API: {}control", tg.api_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
