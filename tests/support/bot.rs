//! Starts the real `immunofaq serve` binary against the fake Telegram server, and reads what it logged.

#![allow(dead_code)]

use super::fake_telegram::FakeTelegram;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct BotProcess {
    pub child: Child,
    pub log: PathBuf,
    pub dir: tempfile::TempDir,
}

impl BotProcess {
    /// Starts the bot and waits until it has announced its commands (it is then polling).
    pub async fn start(fake: &FakeTelegram, args: &[&str]) -> BotProcess {
        let bot = Self::spawn(fake, args, &[]);
        fake.wait_for("setMyCommands", None, 1, Duration::from_secs(20)).await;
        bot
    }

    pub fn spawn(fake: &FakeTelegram, args: &[&str], env: &[(&str, &str)]) -> BotProcess {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("bot.log");
        let out = std::fs::File::create(&log).unwrap();
        let db = dir.path().join("stats.db");
        // The load driver can run another build (LOAD_BOT_BIN) to compare it with this one.
        let binary = std::env::var_os("LOAD_BOT_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_immunofaq").into());
        let mut cmd = Command::new(binary);
        cmd.arg("serve").args(["--poll-timeout", "1"]);
        if !args.contains(&"--db") {
            cmd.arg("--db").arg(&db);
        }
        // Tests that need the file watcher ask for it with "--watch"; the others keep the machine quiet.
        let wants_watch = args.contains(&"--watch");
        if !wants_watch {
            cmd.arg("--no-watch");
        }
        cmd.args(args.iter().filter(|a| **a != "--watch"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("TELOXIDE_TOKEN", "123456:TEST-TOKEN")
            .env("TELOXIDE_API_URL", fake.api_url())
            .env("RUST_LOG", "info")
            .env_remove("IMMUNOFAQ_FAQ")
            .env_remove("IMMUNOFAQ_SAVED_INDEX")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        for (k, v) in env {
            cmd.env(k, v);
        }
        BotProcess { child: cmd.spawn().expect("the bot starts"), log, dir }
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit; returns its exit code.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if std::time::Instant::now() > deadline {
                panic!("the bot did not exit within {within:?}; log:\n{}", self.logs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
