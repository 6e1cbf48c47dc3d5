//! What a load worker keeps whatever its engine (mio or io_uring): which connections are free
//! and which one gets the next request when (closed model, or the open model's schedule), the
//! budget, and the accounting of every answer and failure. The engines differ only in how
//! bytes reach the sockets; these rules are one piece, so both count the same.

use crate::engine::{Measurements, Plan, Schedule, Shared, latency_since, slots};
use crate::response::ResponseReader;
use hdrhistogram::Histogram;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// What to do with a free connection now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dispatch {
    /// Send its next request, latency measured from `intended`.
    Start(usize, Instant),
    /// Nothing is left for it to send: it is done.
    Done(usize),
}

/// A worker's bookkeeping.
pub(crate) struct Books<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) shared: &'a Shared,
    /// This worker's latency histogram for the current window, when windows are judged.
    window: Option<&'a Mutex<Histogram<u64>>>,
    /// What this worker measured, per result slot.
    pub(crate) measured: Vec<Measurements>,
    /// Connections that wait for their next request, in the order they became free.
    pub(crate) ready: VecDeque<usize>,
    /// Connections whose share of the budget is spent.
    pub(crate) finished: usize,
    /// How many connections the worker has.
    connections: usize,
    schedule: Schedule,
    next_due: Instant,
    /// When the run started (a ramp's rate is a function of the time since).
    start: Instant,
    /// When this worker's last request was answered or failed.
    pub(crate) last_answer: Option<Instant>,
    /// Reused by [`Books::dispatch`].
    dispatched: Vec<Dispatch>,
    /// This worker's share of `-n` (in proportion to its connections), and how much of it
    /// is taken: a worker whose thread starts late still sends its share.
    budget: Option<u64>,
    taken: u64,
}

impl<'a> Books<'a> {
    pub(crate) fn new(
        plan: &'a Plan,
        shared: &'a Shared,
        window: Option<&'a Mutex<Histogram<u64>>>,
        connections: usize,
        schedule: Schedule,
        budget: Option<u64>,
    ) -> Self {
        let now = Instant::now();
        Books {
            plan,
            shared,
            window,
            measured: vec![Measurements::new(); slots(plan)],
            ready: (0..connections).collect(),
            finished: 0,
            connections,
            schedule,
            next_due: now,
            start: now,
            last_answer: None,
            dispatched: Vec::with_capacity(connections),
            budget,
            taken: 0,
        }
    }

    /// Whether no request is left to take: stopped, or the budget is spent.
    pub(crate) fn exhausted(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed) || self.budget.is_some_and(|b| self.taken >= b)
    }

    /// Take one request from the budget.
    fn take(&mut self) -> bool {
        if self.exhausted() {
            return false;
        }
        self.taken += 1;
        true
    }

    /// The run starts now (its schedule counts from `start`).
    pub(crate) fn begin(&mut self, start: Instant) {
        self.start = start;
        self.next_due = start;
    }

    /// Whether every connection is free or done (nothing in flight).
    pub(crate) fn all_idle(&self) -> bool {
        self.ready.len() + self.finished == self.connections
    }

    /// Whether every connection is done.
    pub(crate) fn all_finished(&self) -> bool {
        self.finished == self.connections
    }

    /// Give free connections their next request (in the open model, only once it is due).
    /// One pass serves each connection once: a connect that fails at once queues its
    /// connection again, and must wait for the next pass (and the deadline check).
    pub(crate) fn dispatch(&mut self, now: Instant, past_deadline: bool) -> Vec<Dispatch> {
        let mut out = std::mem::take(&mut self.dispatched);
        out.clear();
        let mut pass = if past_deadline { 0 } else { self.ready.len() };
        while let Some(&index) = self.ready.front() {
            if pass == 0 {
                break;
            }
            pass -= 1;
            if self.exhausted() {
                // Nothing left to send: free connections are done now, not one interval
                // after another in the open model.
                self.ready.pop_front();
                self.finished += 1;
                out.push(Dispatch::Done(index));
                continue;
            }
            let intended = if self.schedule.is_open() {
                if now < self.next_due {
                    break;
                }
                let due = self.next_due;
                match self.schedule.after(due, self.start) {
                    Some(next) => self.next_due = next,
                    // The ramp is over: nothing more is due.
                    None => break,
                }
                due
            } else {
                now
            };
            self.ready.pop_front();
            if !self.take() {
                self.finished += 1;
                out.push(Dispatch::Done(index));
                continue;
            }
            out.push(Dispatch::Start(index, intended));
        }
        out
    }

    /// Hand back the list [`Books::dispatch`] gave, to be reused.
    pub(crate) fn recycle(&mut self, dispatched: Vec<Dispatch>) {
        self.dispatched = dispatched;
    }

    /// How long the event loop may wait: until the next expiry check, the deadline, or the
    /// open model's next due request.
    pub(crate) fn wait(
        &self,
        now: Instant,
        next_expiry_check: Instant,
        deadline: Option<Instant>,
    ) -> Duration {
        let past_deadline = deadline.is_some_and(|d| now >= d);
        let mut wait = next_expiry_check.saturating_duration_since(now);
        if let Some(d) = deadline.filter(|_| !past_deadline) {
            wait = wait.min(d.saturating_duration_since(now));
        }
        if self.schedule.is_open() && !self.ready.is_empty() {
            wait = wait.min(self.next_due.saturating_duration_since(now));
        }
        wait
    }

    /// Timeouts are checked on a coarse timer (1/20 of the shortest, 1–50 ms), not after
    /// every event: scanning every connection per event cost throughput at 50 connections.
    pub(crate) fn expiry_tick(&self) -> Duration {
        (self.plan.timeout.min(self.plan.connect_timeout) / 20)
            .clamp(Duration::from_millis(1), Duration::from_millis(50))
    }

    /// A connection's next request, due at `intended`, starts now: counted as sent, and
    /// its exchange begun with the target's method.
    pub(crate) fn start(&mut self, exchange: &mut Exchange, intended: Instant) {
        self.sent(exchange.target, intended);
        exchange.begin(intended, self.plan.targets[exchange.target].method.as_str());
    }

    /// Count a request of `target` going out, due at `intended`.
    fn sent(&mut self, target: usize, intended: Instant) {
        let slot = self.plan.targets[target].slot;
        let stage = self.schedule.stage(intended, self.start);
        self.measured[slot].sent_at(Instant::now(), stage);
    }

    /// Count a request sent again on a new connection (the server closed a keep-alive one).
    pub(crate) fn retried(&mut self, target: usize) {
        let slot = self.plan.targets[target].slot;
        self.measured[slot].retried += 1;
    }

    /// Count an answer with `status` to a request of `target` due at `intended`; the
    /// connection is free again.
    pub(crate) fn answered(&mut self, index: usize, target: usize, status: u16, intended: Instant) {
        let latency = latency_since(intended);
        let slot = self.plan.targets[target].slot;
        if let Some(window) = self.window {
            if let Ok(mut histogram) = window.lock() {
                let _ = histogram.record(latency);
            }
        }
        if !self.measured[slot].answer(status, latency) {
            self.shared.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.shared.done.fetch_add(1, Ordering::Relaxed);
        self.last_answer = Some(Instant::now());
        self.ready.push_back(index);
    }

    /// Count a request of `target` that failed with `class`; its connection is free again.
    pub(crate) fn failed(&mut self, index: usize, target: usize, class: &str) {
        let slot = self.plan.targets[target].slot;
        self.measured[slot].fail(class);
        self.last_answer = Some(Instant::now());
        self.shared.done.fetch_add(1, Ordering::Relaxed);
        self.shared.failed.fetch_add(1, Ordering::Relaxed);
        self.ready.push_back(index);
    }

    /// The worker's result.
    pub(crate) fn into_result(self) -> (Vec<Measurements>, Option<Instant>) {
        (self.measured, self.last_answer)
    }
}

/// Where a connection is with its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Idle,
    Connecting,
    Writing,
    Reading,
    Done,
}

/// A connection's request in hand, as both engines keep it: whichever way bytes move, these
/// are what the accounting, the timeouts and the keep-alive retry read.
pub(crate) struct Exchange {
    /// The target this connection asks (an index into the plan's targets).
    pub(crate) target: usize,
    pub(crate) state: State,
    pub(crate) response: ResponseReader,
    /// When the request was due (latency is measured from here).
    pub(crate) intended: Instant,
    /// When it was actually started (its timeout is measured from here).
    pub(crate) started: Instant,
    /// When its connection's connect began (the connect timeout is measured from here: a
    /// retry's new connect has its own).
    pub(crate) connecting_since: Instant,
    /// Whether the request went on a connection kept alive from an earlier one.
    pub(crate) reused: bool,
    /// A reused connection the server had closed is reopened once without charging the budget.
    pub(crate) retried_stale: bool,
}

impl Exchange {
    pub(crate) fn new(target: usize, now: Instant) -> Exchange {
        Exchange {
            target,
            state: State::Idle,
            response: ResponseReader::new(),
            intended: now,
            started: now,
            connecting_since: now,
            reused: false,
            retried_stale: false,
        }
    }

    /// A new request, due at `intended`, starts now with `method`.
    pub(crate) fn begin(&mut self, intended: Instant, method: &str) {
        self.intended = intended;
        self.started = Instant::now();
        self.response.reset_for(method);
        self.retried_stale = false;
    }

    /// Its connection starts connecting, now.
    pub(crate) fn connecting(&mut self) {
        self.state = State::Connecting;
        self.reused = false;
        self.connecting_since = Instant::now();
    }

    /// The error class of a request that has waited longer than its limit at `now`, if it
    /// has: a connect its connect timeout since it began, a request its timeout since it
    /// started.
    pub(crate) fn overdue(&self, now: Instant, plan: &Plan) -> Option<&'static str> {
        match self.state {
            State::Connecting
                if now.duration_since(self.connecting_since) >= plan.connect_timeout =>
            {
                Some("connect timeout")
            }
            State::Writing | State::Reading if now.duration_since(self.started) >= plan.timeout => {
                Some("timeout")
            }
            _ => None,
        }
    }
}
