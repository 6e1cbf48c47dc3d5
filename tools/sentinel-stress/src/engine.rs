//! The load engine: one event loop per worker thread, each driving its share of keep-alive
//! connections, as wrk does — on io_uring where the machine allows it and the targets are
//! plain http ([`crate::uring`]), else readiness-based (mio, epoll; this module's `Worker`). Requests are serialized once ([`Target`]);
//! responses are parsed in place with httparse; latencies go into a per-worker HdrHistogram
//! (1 µs .. 1 h, 3 significant digits) merged at the end — memory does not grow with the
//! number of requests.
//!
//! Closed model by default (each connection sends its next request when the last one
//! answered). With a rate, the open model: request *i* is due at `start + i / rate`, and its
//! latency is measured from that intended time, so a stalled server shows in the tail
//! instead of hiding in fewer samples (coordinated omission corrected, as wrk2 does).
//!
//! https targets: each connection's rustls session is driven in the same loop (the socket's
//! readiness feeds `read_tls`/`write_tls`), so TLS costs the handshake and the cipher, and no
//! thread.

use crate::books::{Books, Dispatch, Exchange, State};
use crate::response::Progress;
use crate::target::Target;
use crate::tls;
use hdrhistogram::Histogram;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use sentinel_histogram::{MAX_LATENCY_US, new_histogram};

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub targets: Vec<Target>,
    pub connections: usize,
    /// Stop after this many requests (successful or not).
    pub requests: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Open model: requests per second across all connections.
    pub rate: Option<f64>,
    /// Open model with a changing rate (`--ramp`); `rate` is then `None`.
    pub ramp: Option<Vec<RampStage>>,
    pub keepalive: bool,
    /// Worker threads (event loops); at most one per connection.
    pub threads: usize,
    /// `--http2`: speak HTTP/2 with this many concurrent streams per connection.
    pub http2_streams: Option<usize>,
    /// Which engine drives HTTP/1.1 connections.
    pub engine: EngineChoice,
}

/// `--engine`: which engine drives HTTP/1.1 connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// io_uring where this machine allows it and the targets are plain http, else mio.
    #[default]
    Auto,
    /// io_uring for plain http targets (https still runs on mio, which drives rustls).
    IoUring,
    /// The readiness-based event loop (epoll), on every target.
    Mio,
}

/// Whether a run of `plan` goes on io_uring: chosen (or auto), usable here, plain http.
pub fn uses_io_uring(plan: &Plan) -> bool {
    plan.engine != EngineChoice::Mio
        && plan.targets.iter().all(|t| t.tls.is_none())
        && io_uring_usable().is_ok()
}

/// Whether this machine lets a process use io_uring the way the engine needs (checked once).
pub fn io_uring_usable() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        static USABLE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
        USABLE.get_or_init(crate::uring::usable).clone()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err("io_uring is Linux's".into())
    }
}

impl Plan {
    /// How many workers [`run`] starts: `threads`, but never more than connections.
    pub fn workers(&self) -> usize {
        self.threads.clamp(1, self.connections.max(1))
    }
}

/// One stage of `--ramp`: reach `rate` requests/s (linearly from the stage before; the first
/// stage holds its rate) over `duration`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RampStage {
    pub rate: f64,
    pub duration: Duration,
}

/// The stages of `--ramp`, as one flag value.
#[derive(Debug, Clone, PartialEq)]
pub struct Ramp(pub Vec<RampStage>);

/// Parse `--ramp`: `RATE/s:DURATION,...`, e.g. `10/s:30s,100/s:60s`.
pub fn parse_ramp(text: &str) -> std::result::Result<Ramp, String> {
    text.split(',')
        .map(|stage| {
            let (rate, duration) = stage.trim().split_once(':').ok_or_else(|| {
                format!("stage {stage:?} is not RATE/s:DURATION (e.g. 100/s:60s)")
            })?;
            let rate: f64 = rate
                .trim()
                .strip_suffix("/s")
                .unwrap_or(rate.trim())
                .parse()
                .map_err(|_| format!("stage {stage:?}: {rate:?} is not a rate such as 100/s"))?;
            if !(rate.is_finite() && rate > 0.0) {
                return Err(format!("stage {stage:?}: the rate must be above 0/s"));
            }
            let duration = sentinel_core::clock::parse_duration(duration.trim())
                .map_err(|e| format!("stage {stage:?}: {e}"))?;
            if duration.is_zero() {
                return Err(format!("stage {stage:?}: give a duration longer than zero"));
            }
            Ok(RampStage { rate, duration })
        })
        .collect::<std::result::Result<Vec<_>, String>>()
        .map(Ramp)
}

/// The rate `elapsed` into a ramp, and which stage that is; `None` past its end.
pub fn ramp_rate(stages: &[RampStage], elapsed: Duration) -> Option<(usize, f64)> {
    let mut start = Duration::ZERO;
    let mut before = stages.first()?.rate;
    for (index, stage) in stages.iter().enumerate() {
        let end = start + stage.duration;
        if elapsed < end {
            let progress = (elapsed - start).as_secs_f64() / stage.duration.as_secs_f64();
            return Some((index, before + (stage.rate - before) * progress));
        }
        before = stage.rate;
        start = end;
    }
    None
}

/// The requests each stage of a ramp asks for (the area under its rate).
pub fn ramp_stage_requests(stages: &[RampStage]) -> Vec<f64> {
    let mut before = stages.first().map_or(0.0, |s| s.rate);
    stages
        .iter()
        .map(|stage| {
            let asked = (before + stage.rate) / 2.0 * stage.duration.as_secs_f64();
            before = stage.rate;
            asked
        })
        .collect()
}

/// The requests a ramp asks for over its whole length.
pub fn ramp_requests(stages: &[RampStage]) -> f64 {
    ramp_stage_requests(stages).iter().sum()
}

/// When requests are due: as soon as a connection is free (closed model), at a constant
/// interval, or at a ramp's changing rate; each worker carries its `share` of the rate.
#[derive(Debug, Clone)]
pub(crate) enum Schedule {
    Closed,
    Constant(Duration),
    Ramp { stages: Vec<RampStage>, share: f64 },
}

impl Schedule {
    /// The plan's schedule for a worker carrying `share` of its rate (1.0: the whole run).
    pub(crate) fn for_plan(plan: &Plan, share: f64) -> Schedule {
        match (&plan.ramp, plan.rate) {
            (Some(stages), _) => Schedule::Ramp {
                stages: stages.clone(),
                share,
            },
            (None, Some(rate)) if rate * share > 0.0 => {
                Schedule::Constant(Duration::from_secs_f64(1.0 / (rate * share)))
            }
            _ => Schedule::Closed,
        }
    }

    /// How long the plan runs: `-z`, or the ramp's length.
    pub(crate) fn length(plan: &Plan) -> Option<Duration> {
        plan.duration.or_else(|| {
            plan.ramp
                .as_ref()
                .map(|stages| stages.iter().map(|s| s.duration).sum())
        })
    }

    /// The send after one due at `due`; `None` once a ramp has ended.
    pub(crate) fn after(&self, due: Instant, start: Instant) -> Option<Instant> {
        match self {
            Schedule::Closed => Some(due),
            Schedule::Constant(interval) => Some(due + *interval),
            Schedule::Ramp { stages, share } => {
                let (_, rate) = ramp_rate(stages, due.saturating_duration_since(start))?;
                Some(due + Duration::from_secs_f64(1.0 / (rate * share)))
            }
        }
    }

    /// Which ramp stage a send at `at` belongs to.
    pub(crate) fn stage(&self, at: Instant, start: Instant) -> Option<usize> {
        match self {
            Schedule::Ramp { stages, .. } => {
                ramp_rate(stages, at.saturating_duration_since(start)).map(|(stage, _)| stage)
            }
            _ => None,
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        !matches!(self, Schedule::Closed)
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Measurements {
    /// Latency of every answered request, in microseconds.
    pub histogram: Histogram<u64>,
    pub status_codes: BTreeMap<u16, u64>,
    /// Latency by status class (the hundreds digit: 2 for 2xx), of answered requests.
    pub by_class: BTreeMap<u16, Histogram<u64>>,
    /// Failures by class: `connect refused`, `timeout`, `reset`, `http 5xx`, ...
    pub errors: BTreeMap<String, u64>,
    /// Requests finished: answered or failed.
    pub total: u64,
    /// Answered with a status below 400.
    pub successful: u64,
    /// Requests sent again on a new connection because the server had closed an idle
    /// keep-alive connection before reading them (not errors: browsers and curl do the same).
    pub retried: u64,
    pub elapsed: Duration,
    /// Requests sent (retries not counted), and when the first and the last went out: the
    /// achieved send rate of the open model.
    pub sent: u64,
    pub first_sent: Option<Instant>,
    pub last_sent: Option<Instant>,
    /// With `--ramp`: requests sent in each stage.
    pub sent_by_stage: Vec<u64>,
}

impl Measurements {
    pub fn new() -> Self {
        Measurements {
            histogram: new_histogram(),
            status_codes: BTreeMap::new(),
            by_class: BTreeMap::new(),
            errors: BTreeMap::new(),
            total: 0,
            successful: 0,
            retried: 0,
            elapsed: Duration::ZERO,
            sent: 0,
            first_sent: None,
            last_sent: None,
            sent_by_stage: Vec::new(),
        }
    }

    /// Fold another worker's (or machine's) measurements in, exactly.
    pub fn merge(&mut self, other: &Measurements) {
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.histogram.add(&other.histogram);
        for (status, n) in &other.status_codes {
            *self.status_codes.entry(*status).or_default() += n;
        }
        for (class, histogram) in &other.by_class {
            let _ = self
                .by_class
                .entry(*class)
                .or_insert_with(new_histogram)
                .add(histogram);
        }
        for (class, n) in &other.errors {
            *self.errors.entry(class.clone()).or_default() += n;
        }
        self.total += other.total;
        self.successful += other.successful;
        self.retried += other.retried;
        self.sent += other.sent;
        self.first_sent = match (self.first_sent, other.first_sent) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_sent = self.last_sent.max(other.last_sent);
        if self.sent_by_stage.len() < other.sent_by_stage.len() {
            self.sent_by_stage.resize(other.sent_by_stage.len(), 0);
        }
        for (mine, theirs) in self.sent_by_stage.iter_mut().zip(&other.sent_by_stage) {
            *mine += theirs;
        }
        self.elapsed = self.elapsed.max(other.elapsed);
    }

    /// Count a request that failed with `class`.
    pub(crate) fn fail(&mut self, class: &str) {
        *self.errors.entry(class.to_owned()).or_default() += 1;
        self.total += 1;
    }

    /// Count an answer with `status` after `latency` µs; returns whether it was a success
    /// (below 400; 4xx and 5xx count as `http 4xx`/`http 5xx` errors too).
    pub(crate) fn answer(&mut self, status: u16, latency: u64) -> bool {
        let _ = self.histogram.record(latency);
        *self.status_codes.entry(status).or_default() += 1;
        let _ = self
            .by_class
            .entry(status / 100)
            .or_insert_with(new_histogram)
            .record(latency);
        self.total += 1;
        if status < 400 {
            self.successful += 1;
            true
        } else {
            *self
                .errors
                .entry(format!("http {}xx", status / 100))
                .or_default() += 1;
            false
        }
    }

    /// Count a send made `at`, in ramp stage `stage` if the run ramps.
    pub(crate) fn sent_at(&mut self, at: Instant, stage: Option<usize>) {
        self.sent += 1;
        self.first_sent = Some(self.first_sent.map_or(at, |first| first.min(at)));
        self.last_sent = self.last_sent.max(Some(at));
        if let Some(stage) = stage {
            if self.sent_by_stage.len() <= stage {
                self.sent_by_stage.resize(stage + 1, 0);
            }
            self.sent_by_stage[stage] += 1;
        }
    }
}

/// Latency from `since` to now in µs, within the histogram's bounds.
pub(crate) fn latency_since(since: Instant) -> u64 {
    since
        .elapsed()
        .as_micros()
        .clamp(1, u128::from(MAX_LATENCY_US)) as u64
}

impl Default for Measurements {
    fn default() -> Self {
        Self::new()
    }
}

/// A histogram with the engine's bounds.
/// Counters shared by the workers and the progress display.
#[derive(Debug, Default)]
pub struct Shared {
    issued: AtomicU64,
    /// Requests finished so far.
    pub done: AtomicU64,
    /// Failures so far.
    pub failed: AtomicU64,
    /// Set to stop every worker early (abort on breach, Ctrl-C).
    pub stop: AtomicBool,
    /// One latency histogram per worker for the current window, when latency windows are
    /// judged ([`Shared::with_latency_windows`]); empty otherwise, costing nothing.
    window_latency: Vec<Mutex<Histogram<u64>>>,
}

impl Shared {
    /// Counters plus a latency histogram per worker that [`Shared::take_window_latency`]
    /// empties: for judging latency limits window by window while the run goes on. A worker
    /// locks only its own histogram, so the lock is contended once per window at most.
    pub fn with_latency_windows(workers: usize) -> Shared {
        Shared {
            window_latency: (0..workers).map(|_| Mutex::new(new_histogram())).collect(),
            ..Shared::default()
        }
    }

    /// Record a latency in the current window of `worker` (when windows are judged).
    pub(crate) fn record_window(&self, worker: usize, latency: u64) {
        if let Some(Ok(mut histogram)) = self.window_latency.get(worker).map(|w| w.lock()) {
            let _ = histogram.record(latency);
        }
    }

    /// The latencies recorded since the last call, merged across workers.
    pub fn take_window_latency(&self) -> Histogram<u64> {
        let mut window = new_histogram();
        for slot in &self.window_latency {
            if let Ok(mut histogram) = slot.lock() {
                // Same bounds: adding cannot fail.
                let _ = window.add(&*histogram);
                histogram.reset();
            }
        }
        window
    }

    /// Whether no request is left to take: stopped, or the budget is spent.
    pub(crate) fn exhausted(&self, budget: Option<u64>) -> bool {
        self.stop.load(Ordering::Relaxed)
            || budget.is_some_and(|limit| self.issued.load(Ordering::Relaxed) >= limit)
    }

    /// Take one request from the budget.
    pub(crate) fn take(&self, budget: Option<u64>) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return false;
        }
        match budget {
            Some(limit) => self.issued.fetch_add(1, Ordering::Relaxed) < limit,
            None => true,
        }
    }
}

/// Run the plan; `shared` lets a caller watch progress and stop early. Returns what each
/// result slot measured (`Target::slot`: one per endpoint reported), index = slot.
pub fn run(plan: &Plan, shared: &Shared) -> Vec<Measurements> {
    if let Some(streams) = plan.http2_streams {
        return crate::http2::run(plan, shared, streams);
    }
    let connections = plan.connections.max(1);
    let threads = plan.workers();
    let start = Instant::now();
    let deadline = Schedule::length(plan).map(|d| start + d);
    let uring = uses_io_uring(plan);
    let mut total = vec![Measurements::new(); slots(plan)];
    let results: Vec<(Vec<Measurements>, Option<Instant>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                // Spread connections (and the rate) evenly; earlier workers take the remainder.
                let mine = connections / threads + usize::from(w < connections % threads);
                let first = (0..w)
                    .map(|v| connections / threads + usize::from(v < connections % threads))
                    .sum::<usize>();
                let share = mine as f64 / connections as f64;
                let schedule = Schedule::for_plan(plan, share);
                let budget = plan
                    .requests
                    .map(|n| worker_budget(n, connections, first, mine));
                let window = shared.window_latency.get(w);
                scope.spawn(move || {
                    #[cfg(target_os = "linux")]
                    if uring {
                        let worker = crate::uring::Worker::new(
                            plan,
                            shared,
                            window,
                            mine,
                            first,
                            schedule.clone(),
                            budget,
                        );
                        // A ring this size can still be refused (locked-memory limits of
                        // older kernels): that worker runs on mio instead.
                        if worker.has_ring() {
                            return worker.run(start, deadline);
                        }
                    }
                    Worker::new(plan, shared, window, mine, first, schedule, budget)
                        .run(start, deadline)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut last_answer = None;
    for (worker, last) in &results {
        for (slot, measured) in total.iter_mut().zip(worker) {
            slot.merge(measured);
        }
        last_answer = last_answer.max(*last);
    }
    // From the first send to the last answer: not the idle tail of workers that had nothing
    // left to send, nor the wait for a deadline after the budget was spent.
    let elapsed = last_answer.map_or_else(|| start.elapsed(), |last| last - start);
    for slot in &mut total {
        slot.elapsed = elapsed;
    }
    total
}

/// The share of a budget of `n` requests of the worker whose connections are
/// `first..first + mine` of `connections`: in proportion to them, and the shares of all
/// workers add up to `n` exactly (each is the difference of two cumulative splits).
fn worker_budget(n: u64, connections: usize, first: usize, mine: usize) -> u64 {
    let at = |c: usize| (u128::from(n) * c as u128 / connections.max(1) as u128) as u64;
    at(first + mine) - at(first)
}

/// [`run`]'s measurements folded into one.
pub fn run_combined(plan: &Plan, shared: &Shared) -> Measurements {
    let mut combined = Measurements::new();
    for slot in run(plan, shared) {
        // Every slot carries the run's elapsed time; merge keeps it.
        combined.merge(&slot);
    }
    combined
}

/// How many result slots the plan's targets count into.
pub(crate) fn slots(plan: &Plan) -> usize {
    plan.targets.iter().map(|t| t.slot + 1).max().unwrap_or(1)
}

struct Conn {
    stream: Option<TcpStream>,
    /// The TLS session of an https target's connection, made once TCP is connected.
    tls: Option<rustls::ClientConnection>,
    exchange: Exchange,
    /// How much of the request is written.
    written: usize,
    /// Bytes arrived before the request was all written (a server that speaks first): the
    /// edge-triggered readiness was spent, so they are read as soon as the request is out.
    unread: bool,
    /// The server has closed its side (an event said so): the connection is not kept once
    /// the response in hand is read, since the edge that said so is spent and no other
    /// would come while it waits idle (a half-closed server never answers the next request).
    peer_closed: bool,
}

struct Worker<'a> {
    plan: &'a Plan,
    books: Books<'a>,
    conns: Vec<Conn>,
    poll: Option<Poll>,
    /// Reused for every read: zeroing a fresh 16 KiB buffer per read was 79% of the
    /// engine's instructions (callgrind, 20 000 requests at 50 connections).
    chunk: Box<[u8]>,
}

impl<'a> Worker<'a> {
    fn new(
        plan: &'a Plan,
        shared: &'a Shared,
        window: Option<&'a Mutex<Histogram<u64>>>,
        connections: usize,
        first: usize,
        schedule: Schedule,
        budget: Option<u64>,
    ) -> Self {
        let now = Instant::now();
        let conns = (0..connections)
            .map(|i| Conn {
                stream: None,
                tls: None,
                exchange: Exchange::new((first + i) % plan.targets.len().max(1), now),
                written: 0,
                unread: false,
                peer_closed: false,
            })
            .collect();
        Worker {
            plan,
            books: Books::new(plan, shared, window, connections, schedule, budget),
            conns,
            poll: Poll::new().ok(),
            chunk: vec![0u8; 16 * 1024].into_boxed_slice(),
        }
    }

    /// Run until the budget is spent (or the deadline passes, or a stop), then wait for the
    /// requests still in flight, each up to its timeout: they are answered, or counted as
    /// timeouts, never dropped. Returns the measurements and when the last answer came.
    fn run(
        mut self,
        start: Instant,
        deadline: Option<Instant>,
    ) -> (Vec<Measurements>, Option<Instant>) {
        self.books.begin(start);
        let Some(mut poll) = self.poll.take() else {
            self.books.measured[0].fail("io: cannot create an event loop");
            return self.books.into_result();
        };
        let mut events = Events::with_capacity(1024);
        let tick = self.books.expiry_tick();
        let mut next_expiry_check = start + tick;
        loop {
            let now = Instant::now();
            let past_deadline = deadline.is_some_and(|d| now >= d);
            let stopped = self.books.shared.stop.load(Ordering::Relaxed);
            if (past_deadline || stopped) && self.books.all_idle() {
                break;
            }
            let dispatched = self.books.dispatch(now, past_deadline);
            for &step in &dispatched {
                match step {
                    Dispatch::Start(index, intended) => self.start_request(&poll, index, intended),
                    Dispatch::Done(index) => self.conns[index].exchange.state = State::Done,
                }
            }
            self.books.recycle(dispatched);
            if self.books.all_finished() {
                break;
            }
            let wait = self.books.wait(now, next_expiry_check, deadline);
            if poll.poll(&mut events, Some(wait)).is_err() {
                continue;
            }
            for event in events.iter() {
                let index = event.token().0;
                if index < self.conns.len() {
                    if event.is_read_closed() {
                        self.conns[index].peer_closed = true;
                    }
                    self.on_ready(&poll, index, event.is_readable(), event.is_writable());
                }
            }
            let now = Instant::now();
            if now >= next_expiry_check {
                self.expire(&poll);
                next_expiry_check = now + tick;
            }
        }
        self.books.into_result()
    }

    fn start_request(&mut self, poll: &Poll, index: usize, intended: Instant) {
        self.books.start(&mut self.conns[index].exchange, intended);
        let conn = &mut self.conns[index];
        conn.written = 0;
        conn.unread = false;
        if conn.stream.is_some() {
            conn.exchange.reused = true;
            conn.exchange.state = State::Writing;
            // Edge-triggered: a reused socket is already writable and will not say so again.
            self.write(poll, index);
        } else {
            self.connect(poll, index);
        }
    }

    fn connect(&mut self, poll: &Poll, index: usize) {
        let addr = self.plan.targets[self.conns[index].exchange.target].addr;
        match TcpStream::connect(addr) {
            Ok(mut stream) => {
                if poll
                    .registry()
                    .register(
                        &mut stream,
                        Token(index),
                        Interest::READABLE | Interest::WRITABLE,
                    )
                    .is_err()
                {
                    self.fail(poll, index, "io: cannot watch the socket");
                    return;
                }
                let _ = stream.set_nodelay(true);
                let conn = &mut self.conns[index];
                conn.stream = Some(stream);
                conn.peer_closed = false;
                conn.exchange.connecting();
            }
            Err(e) => self.fail(poll, index, &connect_class(&e)),
        }
    }

    fn on_ready(&mut self, poll: &Poll, index: usize, readable: bool, writable: bool) {
        match self.conns[index].exchange.state {
            State::Connecting if readable || writable => {
                let Some(stream) = self.conns[index].stream.as_ref() else {
                    return;
                };
                match stream.take_error() {
                    Ok(Some(e)) | Err(e) => return self.fail(poll, index, &connect_class(&e)),
                    Ok(None) => {}
                }
                match stream.peer_addr() {
                    Ok(_) => {
                        if let Some(tls) = &self.plan.targets[self.conns[index].exchange.target].tls
                        {
                            match rustls::ClientConnection::new(
                                std::sync::Arc::clone(&tls.config),
                                tls.server_name.clone(),
                            ) {
                                Ok(mut session) => {
                                    // A request body of any size can wait for the handshake.
                                    session.set_buffer_limit(None);
                                    self.conns[index].tls = Some(session);
                                }
                                Err(e) => return self.fail(poll, index, &tls::error_class(&e)),
                            }
                        }
                        let conn = &mut self.conns[index];
                        conn.exchange.state = State::Writing;
                        // A server that speaks first: its bytes may come with the connect.
                        conn.unread |= readable;
                        self.write(poll, index);
                    }
                    Err(e) if e.kind() == ErrorKind::NotConnected => {}
                    Err(e) => self.fail(poll, index, &connect_class(&e)),
                }
            }
            State::Writing | State::Reading if self.conns[index].tls.is_some() => {
                self.tls_io(poll, index, readable);
            }
            State::Writing => {
                self.conns[index].unread |= readable;
                if writable {
                    self.write(poll, index);
                }
            }
            State::Reading if readable => self.read(poll, index),
            State::Idle if readable => self.check_idle(poll, index),
            _ => {}
        }
    }

    /// An idle keep-alive connection became readable: the server closed it (or reset it),
    /// or sent something nobody asked for (nginx and Apache send a 408 Request Timeout before
    /// closing an idle connection). Either way it is done with it: drop it now, and the next
    /// request opens a new one, rather than racing the close or taking the stray bytes for
    /// the next request's answer.
    fn check_idle(&mut self, poll: &Poll, index: usize) {
        let conn = &mut self.conns[index];
        let Some(stream) = conn.stream.as_ref() else {
            return;
        };
        let mut byte = [0u8; 1];
        match stream.peek(&mut byte) {
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {}
            _ => self.close(poll, index),
        }
    }

    fn write(&mut self, poll: &Poll, index: usize) {
        let request = &self.plan.targets[self.conns[index].exchange.target].request;
        if let Some(session) = self.conns[index].tls.as_mut() {
            // Queued whole: rustls encrypts it once the handshake is done, and tls_io sends it
            // as fast as the socket takes it.
            if session.writer().write_all(request).is_err() {
                return self.fail(poll, index, "tls: cannot queue the request");
            }
            let conn = &mut self.conns[index];
            conn.written = request.len();
            conn.exchange.state = State::Reading;
            return self.tls_io(poll, index, false);
        }
        loop {
            let conn = &mut self.conns[index];
            let Some(stream) = conn.stream.as_mut() else {
                return;
            };
            match stream.write(&request[conn.written..]) {
                Ok(0) => return self.fail(poll, index, "reset"),
                Ok(n) => {
                    conn.written += n;
                    if conn.written == request.len() {
                        // Wait for the readable event rather than try a read that almost
                        // always finds nothing yet: edge-triggered epoll reports each arrival
                        // — except what arrived before now, whose event is spent.
                        conn.exchange.state = State::Reading;
                        if std::mem::take(&mut conn.unread) {
                            self.read(poll, index);
                        }
                        return;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return self.fail_io(poll, index, &e),
            }
        }
    }

    fn read(&mut self, poll: &Poll, index: usize) {
        loop {
            let conn = &mut self.conns[index];
            let Some(stream) = conn.stream.as_mut() else {
                return;
            };
            match stream.read(&mut self.chunk) {
                Ok(0) => return self.on_eof(poll, index),
                Ok(n) => match conn.exchange.response.feed(&self.chunk[..n]) {
                    Progress::Complete { status, close } => {
                        return self.finish(poll, index, status, close);
                    }
                    Progress::Invalid => return self.fail(poll, index, "invalid response"),
                    Progress::More => {}
                },
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return self.fail_io(poll, index, &e),
            }
        }
    }

    /// Move an https connection along: take in what the socket has (records, handshake
    /// messages, alerts), send what rustls has queued, and look at the plaintext response.
    fn tls_io(&mut self, poll: &Poll, index: usize, readable: bool) {
        let conn = &mut self.conns[index];
        let (Some(stream), Some(session)) = (conn.stream.as_mut(), conn.tls.as_mut()) else {
            return;
        };
        let mut closed = false;
        let mut progress = Progress::More;
        // Drain the socket (edge-triggered: it will not say again), decrypting as we go so
        // rustls's buffers never fill.
        while readable && !closed {
            match session.read_tls(stream) {
                Ok(0) => closed = true,
                Ok(_) => {
                    if let Err(e) = session.process_new_packets() {
                        // Send the alert saying why, if the socket takes it.
                        let _ = session.write_tls(stream);
                        return self.fail(poll, index, &tls::error_class(&e));
                    }
                    loop {
                        match session.reader().read(&mut self.chunk) {
                            Ok(0) => {
                                closed = true;
                                break;
                            }
                            // Once the response is complete, nothing more belongs to it.
                            Ok(n) if progress == Progress::More => {
                                progress = conn.exchange.response.feed(&self.chunk[..n]);
                            }
                            Ok(_) => {}
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                                closed = true;
                                break;
                            }
                            Err(e) => return self.fail_io(poll, index, &e),
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return self.fail_io(poll, index, &e),
            }
        }
        while session.wants_write() {
            match session.write_tls(stream) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return self.fail_io(poll, index, &e),
            }
        }
        match progress {
            Progress::Complete { status, close } => {
                return self.finish(poll, index, status, close || closed);
            }
            Progress::Invalid => return self.fail(poll, index, "invalid response"),
            Progress::More => {}
        }
        if closed && session.is_handshaking() {
            // A plain-HTTP port, or a server that refused our TLS versions without an alert.
            return self.fail(poll, index, "tls: closed during the handshake");
        }
        if closed {
            self.on_eof(poll, index);
        }
    }

    fn on_eof(&mut self, poll: &Poll, index: usize) {
        let conn = &self.conns[index];
        if let Progress::Complete { status, close } = conn.exchange.response.at_eof() {
            return self.finish(poll, index, status, close);
        }
        if self.retry_on_new_connection(poll, index) {
            return;
        }
        self.fail(poll, index, "reset");
    }

    /// The server closed (or reset) a reused keep-alive connection before answering any of
    /// this request: it was idle-closed as we sent, and never read the request. Reopen and
    /// send again, once, as browsers and curl do; the request keeps its intended time, and
    /// the retry is counted. `false` when that does not apply.
    fn retry_on_new_connection(&mut self, poll: &Poll, index: usize) -> bool {
        let conn = &self.conns[index];
        if conn.exchange.response.received() || !conn.exchange.reused || conn.exchange.retried_stale
        {
            return false;
        }
        let (intended, target) = (conn.exchange.intended, conn.exchange.target);
        self.books.retried(target);
        self.close(poll, index);
        let conn = &mut self.conns[index];
        conn.exchange.retried_stale = true;
        conn.exchange.intended = intended;
        conn.written = 0;
        conn.unread = false;
        self.connect(poll, index);
        true
    }

    fn finish(&mut self, poll: &Poll, index: usize, status: u16, close: bool) {
        if close || self.conns[index].peer_closed || !self.plan.keepalive {
            self.close(poll, index);
        }
        let conn = &mut self.conns[index];
        conn.exchange.response.reset();
        conn.exchange.state = State::Idle;
        let (target, intended) = (conn.exchange.target, conn.exchange.intended);
        self.books.answered(index, target, status, intended);
    }

    fn fail_io(&mut self, poll: &Poll, index: usize, error: &std::io::Error) {
        let closed_by_peer = matches!(
            error.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionAborted
        );
        if closed_by_peer && self.retry_on_new_connection(poll, index) {
            return;
        }
        let handshaking = self.conns[index]
            .tls
            .as_ref()
            .is_some_and(|session| session.is_handshaking());
        let class = io_class(error);
        if handshaking {
            // Most often a plain-HTTP port answering a ClientHello.
            self.fail(poll, index, &format!("tls: {class} during the handshake"));
        } else {
            self.fail(poll, index, &class);
        }
    }

    fn fail(&mut self, poll: &Poll, index: usize, class: &str) {
        self.close(poll, index);
        self.conns[index].exchange.state = State::Idle;
        let target = self.conns[index].exchange.target;
        self.books.failed(index, target, class);
    }

    fn close(&mut self, poll: &Poll, index: usize) {
        let conn = &mut self.conns[index];
        if let Some(mut stream) = conn.stream.take() {
            if let Some(mut session) = conn.tls.take() {
                // Say goodbye properly if the socket takes it at once; never wait for it.
                session.send_close_notify();
                let _ = session.write_tls(&mut stream);
            }
            let _ = poll.registry().deregister(&mut stream);
        }
        conn.tls = None;
    }

    /// Fail requests that have waited longer than their timeout.
    fn expire(&mut self, poll: &Poll) {
        let now = Instant::now();
        for index in 0..self.conns.len() {
            if let Some(class) = self.conns[index].exchange.overdue(now, self.plan) {
                self.fail(poll, index, class);
            }
        }
    }
}

pub(crate) fn io_class(error: &std::io::Error) -> String {
    match error.kind() {
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof => "reset".to_owned(),
        ErrorKind::TimedOut => "timeout".to_owned(),
        _ if matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
            format!("{CLIENT_ERROR_PREFIX}too many open files (EMFILE)")
        }
        other => format!("io: {other}"),
    }
}

/// The prefix of error classes that are this machine's fault, not the service's.
pub const CLIENT_ERROR_PREFIX: &str = "client: ";

pub(crate) fn connect_class(error: &std::io::Error) -> String {
    // Out of descriptors, ports or buffers here: the service never saw the request.
    let client = match error.raw_os_error() {
        Some(libc::EMFILE) => Some("too many open files (EMFILE)"),
        Some(libc::ENFILE) => Some("too many open files in the system (ENFILE)"),
        Some(libc::EADDRNOTAVAIL) => Some("no local port free (EADDRNOTAVAIL)"),
        Some(libc::ENOBUFS | libc::ENOMEM) => Some("out of socket buffers (ENOBUFS)"),
        _ => None,
    };
    if let Some(client) = client {
        return format!("{CLIENT_ERROR_PREFIX}{client}");
    }
    match error.kind() {
        ErrorKind::ConnectionRefused => "connect refused".into(),
        ErrorKind::TimedOut => "connect timeout".into(),
        ErrorKind::ConnectionReset => "reset".into(),
        other => format!("connect: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ramp_holds_its_first_rate_then_goes_linearly_from_stage_to_stage() {
        let stages = parse_ramp("10/s:30s, 100/s:60s,100/s:5m").unwrap().0;
        assert_eq!(stages.len(), 3);
        let at = |s: u64| ramp_rate(&stages, Duration::from_secs(s));
        assert_eq!(at(0), Some((0, 10.0)));
        assert_eq!(at(29), Some((0, 10.0)));
        assert_eq!(at(60), Some((1, 55.0)));
        assert_eq!(at(100), Some((2, 100.0)));
        assert_eq!(at(390), None, "past the end");
        // 10/s for 30 s, 10→100 over 60 s, 100/s for 300 s.
        assert_eq!(ramp_requests(&stages), 300.0 + 3300.0 + 30000.0);
        for bad in [
            "",
            "10:",
            "10/s",
            "0/s:10s",
            "x/s:10s",
            "10/s:0s",
            "10/s:soon",
        ] {
            assert!(parse_ramp(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn running_out_of_descriptors_or_ports_is_the_client_s_fault() {
        for errno in [libc::EMFILE, libc::ENFILE, libc::EADDRNOTAVAIL] {
            let class = connect_class(&std::io::Error::from_raw_os_error(errno));
            assert!(class.starts_with(CLIENT_ERROR_PREFIX), "{class}");
        }
        let refused = connect_class(&std::io::Error::from(ErrorKind::ConnectionRefused));
        assert_eq!(refused, "connect refused");
    }

    #[test]
    fn the_budget_is_split_by_connections_and_adds_up_exactly() {
        // 90 requests over 3 connections on 2 workers (2 + 1): 60 and 30.
        assert_eq!(worker_budget(90, 3, 0, 2), 60);
        assert_eq!(worker_budget(90, 3, 2, 1), 30);
        for (n, connections, threads) in
            [(1u64, 3usize, 2usize), (7, 5, 2), (1000, 50, 3), (3, 1, 1)]
        {
            let mut first = 0;
            let mut total = 0;
            for w in 0..threads {
                let mine = connections / threads + usize::from(w < connections % threads);
                total += worker_budget(n, connections, first, mine);
                first += mine;
            }
            assert_eq!(
                total, n,
                "{n} over {connections} connections, {threads} workers"
            );
        }
    }

    #[test]
    fn measurements_merge_exactly() {
        let mut a = Measurements::new();
        let mut b = Measurements::new();
        a.histogram.record(100).unwrap();
        b.histogram.record(5_000).unwrap();
        b.fail("timeout");
        a.merge(&b);
        assert_eq!(a.histogram.len(), 2);
        assert_eq!(a.histogram.max(), b.histogram.max());
        assert_eq!(a.errors["timeout"], 1);
        assert_eq!(a.total, 1);
    }
}
