//! HTTP/2 (`--http2`): h2 over TLS (ALPN `h2`) and h2c with prior knowledge over plain TCP,
//! on hyper's HTTP/2 client in a tokio runtime — what oha uses for it, since the mio
//! HTTP/1.1 engine cannot multiplex. `-c` connections each carry `-p` concurrent streams;
//! every stream runs the same loop as an HTTP/1.1 connection (take a request from the
//! budget, send it when due, read the answer to its end), and counts into the same
//! [`Measurements`], so results, histograms, thresholds and the monitor are the same.

use crate::engine::{
    Measurements, Plan, Schedule, Shared, connect_class, io_class, latency_since, slots,
};
use crate::target::Target;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};

/// One request as HTTP/2 sends it, taken apart from the HTTP/1.1 bytes the target holds
/// (so both engines send exactly the same method, path, headers and body).
#[derive(Debug, Clone)]
struct H2Request {
    method: hyper::Method,
    uri: hyper::Uri,
    headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    body: Bytes,
}

impl H2Request {
    fn from_target(target: &Target) -> Result<H2Request, String> {
        let raw = &target.request;
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("the request has no header end")?;
        let head = std::str::from_utf8(&raw[..end]).map_err(|_| "the request head is not UTF-8")?;
        let mut lines = head.split("\r\n");
        let mut start = lines.next().unwrap_or_default().split(' ');
        let method = start.next().unwrap_or("GET");
        let path = start.next().unwrap_or("/");
        let mut authority = String::new();
        let mut headers = Vec::new();
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            // HTTP/2 carries the host as :authority and has no connection-level headers.
            match name.to_ascii_lowercase().as_str() {
                "host" => authority = value.to_owned(),
                "connection" | "keep-alive" | "proxy-connection" | "transfer-encoding"
                | "upgrade" | "content-length" => {}
                lower => headers.push((
                    hyper::header::HeaderName::from_bytes(lower.as_bytes())
                        .map_err(|e| format!("header {name}: {e}"))?,
                    hyper::header::HeaderValue::from_str(value)
                        .map_err(|e| format!("header {name}: {e}"))?,
                )),
            }
        }
        let scheme = if target.tls.is_some() {
            "https"
        } else {
            "http"
        };
        Ok(H2Request {
            method: hyper::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?,
            uri: format!("{scheme}://{authority}{path}")
                .parse()
                .map_err(|e| format!("{e}"))?,
            headers,
            body: Bytes::copy_from_slice(&raw[end + 4..]),
        })
    }

    fn build(&self) -> hyper::Request<Full<Bytes>> {
        let mut request = hyper::Request::builder()
            .method(self.method.clone())
            .uri(self.uri.clone())
            .version(hyper::Version::HTTP_2);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
            .body(Full::new(self.body.clone()))
            .expect("parts taken from a valid request")
    }
}

/// What every stream of the run shares: the plan, the counters, when the run ends, and the
/// open model's next due time.
struct Run<'a> {
    plan: &'a Plan,
    shared: &'a Shared,
    deadline: Option<Instant>,
    start: Instant,
    /// Open model: one schedule for the whole run (-q and --ramp are the run's rate), and the
    /// next send's due time on it.
    schedule: Schedule,
    next_due: Mutex<Instant>,
    measured: Vec<Mutex<Measurements>>,
    last_answer: Mutex<Option<Instant>>,
}

impl Run<'_> {
    /// The next request: `None` when the budget, the deadline or a stop says there is none;
    /// else when it is due (now, in the closed model).
    fn next(&self) -> Option<Instant> {
        if self.deadline.is_some_and(|d| Instant::now() >= d)
            || !self.shared.take(self.plan.requests)
        {
            return None;
        }
        if !self.schedule.is_open() {
            return Some(Instant::now());
        }
        let mut next = self.next_due.lock().unwrap_or_else(|p| p.into_inner());
        let due = *next;
        // The ramp is over: nothing more is due.
        *next = self.schedule.after(due, self.start)?;
        Some(due)
    }

    fn answered(&self, slot: usize, intended: Instant, sent: Instant, status: u16) {
        let latency = latency_since(intended);
        let mut m = self.measured[slot]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        m.sent_at(sent, self.schedule.stage(intended, self.start));
        let success = m.answer(status, latency);
        drop(m);
        if !success {
            self.shared.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.shared.record_window(0, latency);
        self.shared.done.fetch_add(1, Ordering::Relaxed);
        *self.last_answer.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    fn failed(&self, slot: usize, sent: Option<Instant>, class: &str) {
        let mut m = self.measured[slot]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(sent) = sent {
            m.sent_at(sent, self.schedule.stage(sent, self.start));
        }
        m.fail(class);
        drop(m);
        self.shared.failed.fetch_add(1, Ordering::Relaxed);
        self.shared.done.fetch_add(1, Ordering::Relaxed);
        *self.last_answer.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }
}

/// Run the plan over HTTP/2 with `streams` concurrent streams per connection.
pub(crate) fn run(plan: &Plan, shared: &Shared, streams: usize) -> Vec<Measurements> {
    let start = Instant::now();
    let slots = slots(plan);
    let fail_all = |class: String| {
        let mut m = Measurements::new();
        m.errors.insert(class, 1);
        m.total = 1;
        let mut all = vec![Measurements::new(); slots];
        all[0] = m;
        all
    };
    let requests: Vec<Result<H2Request, String>> =
        plan.targets.iter().map(H2Request::from_target).collect();
    let run = Run {
        plan,
        shared,
        deadline: Schedule::length(plan).map(|d| start + d),
        start,
        schedule: Schedule::for_plan(plan, 1.0),
        next_due: Mutex::new(start),
        measured: (0..slots)
            .map(|_| Mutex::new(Measurements::new()))
            .collect(),
        last_answer: Mutex::new(None),
    };
    // One OS thread per worker, each with its own single-threaded runtime driving its share
    // of the connections: their HTTP/2 drivers and request loops wake each other on the same
    // thread, as the HTTP/1.1 engine's event loops do. The request loops borrow the run, so
    // `block_on` polls them (it needs no 'static future); each connection's driver owns its
    // socket and is spawned onto that thread's runtime.
    let workers = plan.workers();
    let connections = plan.connections.max(1);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..workers)
            .map(|worker| {
                let (run, requests) = (&run, &requests);
                scope.spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| format!("io: cannot start the HTTP/2 runtime: {e}"))?;
                    let mine = (worker..connections).step_by(workers).map(|connection| {
                        let index = connection % plan.targets.len().max(1);
                        connection_loop(run, &plan.targets[index], &requests[index], streams)
                    });
                    runtime.block_on(futures_util::future::join_all(mine));
                    Ok::<(), String>(())
                })
            })
            .collect();
        threads
            .into_iter()
            .filter_map(|t| t.join().ok().and_then(Result::err))
            .collect()
    });
    if let Some(class) = failures.first() {
        return fail_all(class.clone());
    }
    let mut measured: Vec<Measurements> = run
        .measured
        .iter()
        .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .collect();
    let last = *run.last_answer.lock().unwrap_or_else(|p| p.into_inner());
    let elapsed = last.map_or_else(|| start.elapsed(), |last| last - start);
    for slot in &mut measured {
        slot.elapsed = elapsed;
    }
    measured
}

/// One connection: connect (TLS with ALPN h2, or h2c with prior knowledge), run `streams`
/// request loops over it, and connect again when it breaks while requests are left.
async fn connection_loop(
    run: &Run<'_>,
    target: &Target,
    request: &Result<H2Request, String>,
    streams: usize,
) {
    let slot = target.slot;
    let request = match request {
        Ok(request) => request,
        Err(why) => {
            if run.next().is_some() {
                run.failed(slot, None, &format!("invalid request for HTTP/2: {why}"));
            }
            return;
        }
    };
    while !run.shared.exhausted(run.plan.requests)
        && run.deadline.is_none_or(|d| Instant::now() < d)
    {
        let sender = match connect(run.plan, target).await {
            Ok(sender) => sender,
            Err(class) => {
                // A failed connect costs one request from the budget, as in the HTTP/1.1
                // engine, and is tried again after a breath (never a hot loop).
                if run.next().is_some() {
                    run.failed(slot, Some(Instant::now()), &class);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let loops = (0..streams.max(1)).map(|_| stream_loop(run, slot, request, sender.clone()));
        futures_util::future::join_all(loops).await;
    }
}

/// One stream's loop: requests one after another until the budget or the deadline ends
/// it, or the connection breaks (then the connection loop reconnects).
async fn stream_loop(
    run: &Run<'_>,
    slot: usize,
    request: &H2Request,
    mut sender: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
) {
    while let Some(intended) = run.next() {
        let now = Instant::now();
        if intended > now {
            tokio::time::sleep(intended - now).await;
        }
        let sent = Instant::now();
        let exchange = async {
            let response = sender.send_request(request.build()).await?;
            let status = response.status().as_u16();
            // Read the body to its end, as the HTTP/1.1 engine does.
            response.into_body().collect().await?;
            Ok::<u16, hyper::Error>(status)
        };
        match tokio::time::timeout(run.plan.timeout, exchange).await {
            Ok(Ok(status)) => run.answered(slot, intended, sent, status),
            Ok(Err(e)) => {
                run.failed(slot, Some(sent), &error_class(&e));
                if sender.is_closed() {
                    return;
                }
            }
            Err(_) => run.failed(slot, Some(sent), "timeout"),
        }
        if sender.is_closed() {
            return;
        }
    }
}

type Sender = hyper::client::conn::http2::SendRequest<Full<Bytes>>;

/// A new HTTP/2 connection to `target`, its driver spawned; `Err` is the error class.
async fn connect(plan: &Plan, target: &Target) -> Result<Sender, String> {
    let tcp = match tokio::time::timeout(
        plan.connect_timeout,
        tokio::net::TcpStream::connect(target.addr),
    )
    .await
    {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => return Err(connect_class(&e)),
        Err(_) => return Err("connect timeout".into()),
    };
    let _ = tcp.set_nodelay(true);
    match &target.tls {
        None => handshake(tcp).await,
        Some(tls) => {
            let mut config = (*tls.config).clone();
            config.alpn_protocols = vec![b"h2".to_vec()];
            let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
            let stream = match tokio::time::timeout(
                plan.connect_timeout,
                connector.connect(tls.server_name.clone(), tcp),
            )
            .await
            {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    return Err(
                        match e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
                            Some(tls_error) => crate::tls::error_class(tls_error),
                            None => format!("tls: {}", io_class(&e)),
                        },
                    );
                }
                Err(_) => return Err("tls: handshake timeout".into()),
            };
            if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
                return Err("tls: the server does not offer HTTP/2 (ALPN h2)".into());
            }
            handshake(stream).await
        }
    }
}

async fn handshake<T>(io: T) -> Result<Sender, String>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .handshake(TokioIo::new(io))
        .await
        .map_err(|e| error_class(&e))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// The class of an HTTP/2 failure, for the report.
fn error_class(error: &hyper::Error) -> String {
    use std::error::Error as _;
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io_class(io);
        }
        if let Some(h2) = cause.downcast_ref::<h2::Error>() {
            if let Some(reason) = h2.reason() {
                return format!("h2: {reason:?}");
            }
        }
        source = cause.source();
    }
    if error.is_closed() || error.is_incomplete_message() {
        return "reset".into();
    }
    format!("h2: {error}")
}
