//! Updates that Telegram sent but teloxide could not read are skipped here, before the dispatcher, which
//! would otherwise log the whole raw update (message text included) at error level. We log only its id.

use crate::metrics::Metrics;
use futures::{Stream, StreamExt};
use std::pin::Pin;
use std::sync::Arc;
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

pub struct SkipUnreadable<L> {
    pub inner: L,
    pub metrics: Arc<Metrics>,
}

impl<L> UpdateListener for SkipUnreadable<L>
where
    L: UpdateListener + 'static,
    L::Err: Send,
{
    type Err = L::Err;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint);
    }
}

impl<'a, L> AsUpdateStream<'a> for SkipUnreadable<L>
where
    L: UpdateListener + 'a,
    L::Err: Send,
{
    type StreamErr = L::Err;
    type Stream = Pin<Box<dyn Stream<Item = Result<Update, L::Err>> + Send + 'a>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let metrics = self.metrics.clone();
        Box::pin(self.inner.as_stream().filter(move |item| {
            if item.is_ok() {
                metrics.touch_poll();
            }
            let keep = match item {
                Ok(update) if matches!(update.kind, UpdateKind::Error(_)) => {
                    Metrics::inc(&metrics.malformed_updates);
                    log::warn!("update {} could not be read and was skipped", update.id.0);
                    false
                }
                _ => true,
            };
            std::future::ready(keep)
        }))
    }
}
