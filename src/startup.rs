//! Building and running the server: bind first (port 0 in tests), then serve.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::domain::Clock;
use crate::files::FileStore;
use crate::http::{AppState, router};
use crate::store::Store;

pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// How often the notice scheduler runs; none: not in this instance.
    scheduler: Option<std::time::Duration>,
    /// The e-mail sender and how often it looks for what is due besides its bell.
    mailer: Option<(crate::mail::Mailer, std::time::Duration)>,
}

impl Application {
    /// Binds `address` ("127.0.0.1:0" picks a free port).
    pub async fn build(
        address: &str,
        store: Store,
        clock: Arc<dyn Clock>,
        files: FileStore,
    ) -> std::io::Result<Application> {
        let listener = TcpListener::bind(address).await?;
        Ok(Application {
            listener,
            state: AppState {
                ctx: crate::service::Context::new(store, clock, files),
                secure_cookies: false,
                trusted_proxies: Arc::new(Vec::new()),
                issuer: "Sở Nội vụ".into(),
                annex: Arc::new(Default::default()),
                decision: Arc::new(Default::default()),
                public: Arc::default(),
            },
            scheduler: None,
            mailer: None,
        })
    }

    /// The issuing body printed above exported tables.
    pub fn with_issuer(mut self, issuer: &str) -> Application {
        self.state.issuer = issuer.to_string();
        self
    }

    /// The ranking annex's letterhead and signature.
    pub fn with_annex(mut self, annex: crate::excel::annex::Annex) -> Application {
        let symbol = self.state.decision.symbol.clone();
        self.state.annex = Arc::new(crate::excel::annex::Annex { symbol, ..annex });
        self
    }

    /// The draft decision's căn cứ lines, symbol, deadline and recipients.
    /// The annex's decision line names the same symbol.
    pub fn with_decision(mut self, decision: crate::document::decision::Decision) -> Application {
        Arc::make_mut(&mut self.state.annex).symbol = decision.symbol.clone();
        self.state.decision = Arc::new(decision);
        self
    }

    /// Takes the client's address from `X-Forwarded-For` on requests from these proxies.
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> Application {
        self.state.trusted_proxies = Arc::new(proxies);
        self
    }

    /// Marks the session cookie `Secure` (serve over HTTPS, directly or behind a proxy).
    pub fn with_secure_cookies(mut self, secure: bool) -> Application {
        self.state.secure_cookies = secure;
        self
    }

    /// Runs the notice scheduler (a round opened, deadlines near, explanations asked)
    /// every `every` while serving. Every instance may run it: each notice is written once.
    pub fn with_scheduler(mut self, every: std::time::Duration) -> Application {
        self.scheduler = Some(every);
        self
    }

    /// Sends notices by e-mail through `mailer` while serving, looking for what is due
    /// at least every `every` (at once when a notice to send is written here).
    pub fn with_mailer(
        mut self,
        mailer: crate::mail::Mailer,
        every: std::time::Duration,
    ) -> Application {
        self.state.ctx.outbox = Arc::new(crate::service::notices::Outbox {
            mail: true,
            wake: Default::default(),
        });
        self.mailer = Some((mailer, every));
        self
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn port(&self) -> u16 {
        self.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    /// Serves until Ctrl-C or SIGTERM (what a service manager or an orchestrator sends),
    /// then finishes the requests in flight; in tests, until the task is dropped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(stop_requested()).await
    }

    /// Serves until `stop` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Beside the requests, never in them; stopped with the server.
        let mut beside = tokio::task::JoinSet::new();
        if let Some(every) = self.scheduler {
            beside.spawn(crate::service::notices::schedule(
                self.state.ctx.clone(),
                every,
            ));
        }
        if let Some((mailer, every)) = self.mailer {
            beside.spawn(crate::mail::send_loop(
                self.state.ctx.clone(),
                mailer,
                every,
            ));
        }
        let app = router(self.state);
        let served = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop)
        .await;
        beside.shutdown().await;
        served
    }
}

/// Ctrl-C, or SIGTERM on Unix. The handlers are in place when this returns, so a signal
/// sent right after is not lost.
pub fn stop_requested() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let interrupt = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async {
            match terminate {
                Ok(mut stream) => {
                    stream.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
        tracing::info!("stopping: finishing the requests in flight");
    }
}
