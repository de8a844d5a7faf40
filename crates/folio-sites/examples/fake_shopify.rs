//! The fake Shopify store as a process of its own, for `make bench-sync`
//! (scripts/bench_sync.py). Prints `url: …` and `token: …`, then answers one command a line on
//! stdin: `stats` → `{"throttled": n, "spent": points, "calls": {operation: count}, "ready":
//! files}`.
//!
//! cargo run --release -p folio-sites --features testing --example fake_shopify [MAX RESTORE]
//! (the cost bucket: points, and points restored a second; default 2000 and 100, a standard
//! store's)

use folio_sites::shopify::fake::{FakeShopify, FakeStoreConfig};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

fn main() {
    let args: Vec<f64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let mut config = FakeStoreConfig::default();
    if let [max, restore, ..] = args[..] {
        (config.bucket_max, config.restore_rate) = (max, restore);
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let store = runtime.block_on(FakeShopify::start(config));
    let token = store.state.lock().unwrap().config.admin_token.clone();
    let mut out = std::io::stdout().lock();
    writeln!(out, "url: {}\ntoken: {token}", store.url).unwrap();
    out.flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        let answer = match line.expect("stdin").trim() {
            "stats" => {
                let mut calls = BTreeMap::<String, usize>::new();
                for c in store.calls() {
                    *calls.entry(c).or_default() += 1;
                }
                let ready = store.files().iter().filter(|f| f.status == "READY").count();
                let spent = store.state.lock().unwrap().spent;
                let throttled = store.throttled();
                serde_json::json!({"throttled": throttled, "spent": spent, "calls": calls, "ready": ready})
                    .to_string()
            }
            other => format!("error: unknown command {other:?}"),
        };
        writeln!(out, "{answer}").unwrap();
        out.flush().unwrap();
    }
}
