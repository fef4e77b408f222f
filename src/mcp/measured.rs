//! An [`Upstream`] that measures what a request sends to ServiceNow, for its audit row.

use crate::audit::capture::UpstreamFigures;
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{Clock, Upstream, UpstreamError};
use crate::servicenow::normalize_rate_limit_headers;
use std::cell::Cell;

pub struct Measured<'a, U, C> {
    inner: &'a U,
    clock: &'a C,
    figures: Cell<UpstreamFigures>,
}

impl<'a, U: Upstream, C: Clock> Measured<'a, U, C> {
    pub fn new(inner: &'a U, clock: &'a C) -> Self {
        Measured {
            inner,
            clock,
            figures: Cell::default(),
        }
    }

    pub fn figures(&self) -> UpstreamFigures {
        self.figures.get()
    }
}

impl<U: Upstream, C: Clock> Upstream for Measured<'_, U, C> {
    async fn send(
        &self,
        request: HttpRequest,
        timeout_ms: u64,
    ) -> Result<HttpResponse, UpstreamError> {
        let started = self.clock.now_ms();
        let answer = self.inner.send(request, timeout_ms).await;
        let mut figures = self.figures.get();
        figures.requests += 1;
        figures.waited_ms = figures
            .waited_ms
            .saturating_add(self.clock.now_ms().saturating_sub(started));
        if let Ok(response) = &answer {
            figures.last_status = Some(response.status);
            let remaining = normalize_rate_limit_headers(&response.headers, self.clock.now_secs())
                .into_iter()
                .find(|(name, _)| name == "ratelimit-remaining")
                .and_then(|(_, v)| v.parse().ok());
            if remaining.is_some() {
                figures.remaining = remaining;
            }
        }
        self.figures.set(figures);
        answer
    }
}
