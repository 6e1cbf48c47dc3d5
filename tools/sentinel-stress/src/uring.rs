//! The io_uring load engine (Linux): one ring per worker thread. Connects, sends and receives
//! of all the worker's connections are queued in the ring's submission queue and reaped from
//! its completion queue together, so one `io_uring_enter` carries many connections' work and
//! a request costs a fraction of a system call (the mio engine: a send, a receive and a share
//! of an `epoll_wait` per request).
//!
//! The rules — who sends when, the budget, latency from the intended time, timeouts, the one
//! retry of a request a closing keep-alive connection never read — are [`Books`]'s, shared
//! with the mio engine; responses are parsed by the same [`crate::response::ResponseReader`]. Plain http
//! only: https targets run on the mio engine, which drives rustls in its loop.
//!
//! A request is one linked pair in the ring: a send (MSG_WAITALL, so the kernel finishes a
//! short send itself; its success not reported) and the receive it unlocks; so a request
//! costs two submission entries, one completion, and a share of one `io_uring_enter`.
//! Completions are run in the worker's own enter (DEFER_TASKRUN), in
//! batches. Every buffer lives as long as the worker (each connection's receive buffer, the
//! target's serialized request). A connection whose request failed (a timeout, a send that
//! failed) with completions still to come is reused only once the ring has given them all
//! back, so no late completion can land in a buffer that serves another request.

use crate::books::{Books, Dispatch, Exchange, State};
use crate::engine::{Measurements, Plan, Schedule, Shared, connect_class, io_class};
use crate::response::Progress;
use hdrhistogram::Histogram;
use io_uring::{IoUring, opcode, squeue, types};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Each connection's receive buffer: the mio engine's read size, so both engines see a
/// response in the same pieces (bytes a server sends after a response's end are dropped
/// with the piece they came in, on both alike).
const RECV_BUFFER: usize = 16 * 1024;

/// What a completion was for (the low byte of its user data; the connection is above it).
const OP_CONNECT: u64 = 1;
const OP_SEND: u64 = 2;
const OP_RECV: u64 = 3;
const OP_CANCEL: u64 = 4;
/// A poll on an idle keep-alive connection, for the server's close.
const OP_IDLE_POLL: u64 = 5;

/// Whether this machine lets a process make a ring (a seccomp profile, as in some
/// containers, refuses `io_uring_setup`; old kernels lack it) and the ring does what the
/// engine needs. `Err` says why not.
pub(crate) fn usable() -> Result<(), String> {
    let ring = IoUring::new(8).map_err(|e| format!("io_uring_setup: {e}"))?;
    if !ring.params().is_feature_ext_arg() {
        return Err("the kernel's io_uring has no timed wait (IORING_FEAT_EXT_ARG, 5.11)".into());
    }
    let mut probe = io_uring::Probe::new();
    ring.submitter()
        .register_probe(&mut probe)
        .map_err(|e| format!("io_uring probe: {e}"))?;
    for (name, code) in [
        ("connect", opcode::Connect::CODE),
        ("send", opcode::Send::CODE),
        ("recv", opcode::Recv::CODE),
        ("async cancel", opcode::AsyncCancel::CODE),
    ] {
        if !probe.is_supported(code) {
            return Err(format!("the kernel's io_uring has no {name} operation"));
        }
    }
    Ok(())
}

/// A socket address as connect(2) takes it, kept where the ring can read it.
#[derive(Clone, Copy)]
struct RawAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl RawAddr {
    fn new(addr: SocketAddr) -> RawAddr {
        // SAFETY: sockaddr_storage is plain data; all zeroes is a valid value.
        let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let len = match addr {
            SocketAddr::V4(v4) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: v4.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(v4.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is large enough and aligned for any sockaddr.
                unsafe {
                    std::ptr::write(std::ptr::from_mut(&mut storage).cast(), sin);
                }
                std::mem::size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(v6) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: v6.port().to_be(),
                    sin6_flowinfo: v6.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: v6.ip().octets(),
                    },
                    sin6_scope_id: v6.scope_id(),
                };
                // SAFETY: as above.
                unsafe {
                    std::ptr::write(std::ptr::from_mut(&mut storage).cast(), sin6);
                }
                std::mem::size_of::<libc::sockaddr_in6>()
            }
        };
        RawAddr {
            storage,
            len: len as libc::socklen_t,
        }
    }

    fn family(&self) -> libc::c_int {
        libc::c_int::from(self.storage.ss_family)
    }
}

struct Conn {
    fd: Option<OwnedFd>,
    /// Whether `fd` is also in the ring's table of registered files, at the connection's
    /// index: operations then name the slot, and the kernel takes no reference to the file
    /// for each of them.
    registered: bool,
    exchange: Exchange,
    /// Completions the ring still owes this connection.
    pending: u32,
    /// What to do once they have all come: the request already failed (or is to be sent
    /// again on a new connection) while operations were in the ring.
    after_drain: Option<AfterDrain>,
    /// Since when it waits for them.
    drain_started: Instant,
    /// Whether this idle period's poll for the server's close was armed.
    idle_watched: bool,
    buffer: Box<[u8]>,
}

/// What a connection waiting for its last completions does then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterDrain {
    /// Its request was counted as failed: it is free for the next one.
    Free,
    /// The server closed a reused keep-alive connection: send the request again on a new one.
    Retry,
}

/// One ring and its share of the connections.
pub(crate) struct Worker<'a> {
    /// First, so it is dropped first: the kernel lets go of every operation before the
    /// buffers and addresses they point into are freed.
    ring: Option<IoUring>,
    plan: &'a Plan,
    books: Books<'a>,
    conns: Vec<Conn>,
    /// The targets' addresses as connect(2) takes them (read by the ring).
    addrs: Vec<RawAddr>,
    /// Completions taken from the ring, handled after it is released (reused).
    reaped: Vec<(u64, i32)>,
    /// Whether a send's successful completion can be skipped (IORING_FEAT_CQE_SKIP, 5.17).
    skip_send_completions: bool,
    /// Whether the ring has a table of registered files, a slot per connection (5.19).
    registered_files: bool,
}

/// `$build` with the connection's file as an operation names it: its slot in the ring's
/// table of registered files, else its descriptor.
macro_rules! on_file {
    ($conn:expr, $index:expr, $fd:expr, |$file:ident| $build:expr) => {
        if $conn.registered {
            let $file = types::Fixed($index as u32);
            $build
        } else {
            let $file = types::Fd($fd.as_raw_fd());
            $build
        }
    };
}

impl<'a> Worker<'a> {
    pub(crate) fn new(
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
                fd: None,
                registered: false,
                exchange: Exchange::new((first + i) % plan.targets.len().max(1), now),
                pending: 0,
                after_drain: None,
                drain_started: now,
                idle_watched: false,
                buffer: vec![0u8; RECV_BUFFER].into_boxed_slice(),
            })
            .collect();
        // Room for every connection's operation and a cancel each.
        let entries = (2 * connections).next_power_of_two().clamp(8, 32_768) as u32;
        Worker {
            plan,
            books: Books::new(plan, shared, window, connections, schedule, budget),
            conns,
            addrs: plan.targets.iter().map(|t| RawAddr::new(t.addr)).collect(),
            ring: None,
            reaped: Vec::with_capacity(entries as usize),
            skip_send_completions: false,
            registered_files: false,
        }
        .with_ring(entries)
    }

    /// The ring: completions run only when this thread enters the ring (DEFER_TASKRUN, 6.1),
    /// else at the next transition to the kernel (COOP_TASKRUN, 5.19), else plainly.
    fn with_ring(mut self, entries: u32) -> Self {
        let ring = IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .build(entries)
            .or_else(|_| IoUring::builder().setup_coop_taskrun().build(entries))
            .or_else(|_| IoUring::new(entries))
            .ok();

        self.skip_send_completions = ring
            .as_ref()
            .is_some_and(|r| r.params().is_feature_skip_cqe_on_success());
        let slots = self.conns.len().min(u32::MAX as usize) as u32;
        self.registered_files = ring
            .as_ref()
            .is_some_and(|r| r.submitter().register_files_sparse(slots).is_ok());
        self.ring = ring;
        self
    }

    /// Whether its ring was made (else the caller runs these connections on mio).
    pub(crate) fn has_ring(&self) -> bool {
        self.ring.is_some()
    }

    /// Run until the budget is spent (or the deadline passes, or a stop), then wait for the
    /// requests still in flight, each up to its timeout: they are answered, or counted as
    /// timeouts, never dropped. Returns the measurements and when the last answer came.
    pub(crate) fn run(
        mut self,
        start: Instant,
        deadline: Option<Instant>,
    ) -> (Vec<Measurements>, Option<Instant>) {
        self.books.begin(start);
        if self.ring.is_none() {
            self.books.measured[0].fail("io: cannot create an io_uring");
            return self.books.into_result();
        }
        let tick = self.books.expiry_tick();
        let mut next_expiry_check = start + tick;
        loop {
            let now = Instant::now();
            let past_deadline = deadline.is_some_and(|d| now >= d);
            let stopped = self.books.shared.stop.load(Ordering::Relaxed);
            let ending = past_deadline || stopped || self.books.exhausted();
            if ((past_deadline || stopped) && self.books.all_idle())
                || (ending && self.only_stuck_left(now))
            {
                break;
            }
            let dispatched = self.books.dispatch(now, past_deadline);
            for &step in &dispatched {
                match step {
                    Dispatch::Start(index, intended) => self.start_request(index, intended),
                    Dispatch::Done(index) => self.conns[index].exchange.state = State::Done,
                }
            }
            self.books.recycle(dispatched);
            if self.books.all_finished() {
                break;
            }
            self.watch_idle();
            let wait = self.books.wait(now, next_expiry_check, deadline);
            self.submit_and_reap(wait);
            let reaped = std::mem::take(&mut self.reaped);
            for &(user_data, result) in &reaped {
                self.on_completion(user_data, result);
            }
            self.reaped = reaped;
            let now = Instant::now();
            if now >= next_expiry_check {
                self.expire();
                next_expiry_check = now + tick;
            }
        }
        // Sockets close as the connections drop; nothing is left in the ring by now except
        // what a stop abandoned, which the kernel ends with the ring.
        self.books.into_result()
    }

    /// Whether every connection still busy has waited over 5 s for the ring to give back a
    /// cancelled operation: once nothing is left to send (the budget spent, the deadline
    /// past, a stop) the run ends without them rather than never (their requests are
    /// already counted as failed; the ring, dropped first, lets go of their buffers).
    fn only_stuck_left(&self, now: Instant) -> bool {
        let stuck = self
            .conns
            .iter()
            .filter(|c| {
                c.after_drain.is_some()
                    && now.duration_since(c.drain_started) > Duration::from_secs(5)
            })
            .count();
        stuck > 0 && self.books.ready.len() + self.books.finished + stuck == self.conns.len()
    }

    /// Submit what is queued and wait up to `wait` for at least one completion (one system
    /// call for both), then take every completion there is.
    fn submit_and_reap(&mut self, wait: Duration) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        let timespec = types::Timespec::from(wait);
        let args = types::SubmitArgs::new().timespec(&timespec);
        // Return as soon as one completion is there. Asking for more with a short minimum
        // wait (IORING_FEAT_MIN_TIMEOUT) made a quarter of the system calls but cost more CPU
        // per request (8.5–10 µs against 6–7.5 µs, nginx, 50 connections): the timer's.
        // ETIME (the wait ended) and EINTR (a signal) are not failures; EBUSY means the
        // completion queue is full, which reaping below empties.
        let _ = ring.submitter().submit_with_args(1, &args);
        self.reaped.clear();
        for entry in ring.completion() {
            self.reaped.push((entry.user_data(), entry.result()));
        }
    }

    /// Put operations in the submission queue together (submitting first if they do not
    /// fit); `completions` is how many of them will complete for this connection.
    fn push(&mut self, index: usize, entries: &[(u64, squeue::Entry)], completions: u32) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        let mut queue = ring.submission();
        if queue.capacity() - queue.len() < entries.len() {
            drop(queue);
            let _ = ring.submit();
            queue = ring.submission();
        }
        for (op, entry) in entries {
            let entry = entry.clone().user_data(((index as u64) << 8) | op);
            // SAFETY: every buffer and address an entry points to lives in `self.conns`,
            // `self.addrs` or the plan, none of which moves or is freed while the worker
            // runs, and a connection's buffer serves one request until every completion of
            // that request has come back (see `pending`). The queue has room (above: the
            // ring holds twice the connections, and a submit empties it).
            let _ = unsafe { queue.push(&entry) };
        }
        drop(queue);
        self.conns[index].pending += completions;
    }

    /// Arm a poll on each keep-alive connection left idle by this round's dispatch, so a
    /// server closing it is seen at once, as mio's epoll sees it, instead of only when the
    /// next request is sent on it (sent again, and counted as retried). In the closed model
    /// an answered connection is given its next request at once, so this costs nothing
    /// there; in the open model it is one poll per idle period.
    fn watch_idle(&mut self) {
        for slot in 0..self.books.ready.len() {
            let index = self.books.ready[slot];
            let conn = &mut self.conns[index];
            if conn.idle_watched
                || conn.pending > 0
                || conn.after_drain.is_some()
                || conn.exchange.state != State::Idle
            {
                continue;
            }
            let Some(fd) = conn.fd.as_ref() else {
                continue;
            };
            conn.idle_watched = true;
            let mask = (libc::POLLIN | libc::POLLRDHUP) as u32;
            let poll = on_file!(conn, index, fd, |file| opcode::PollAdd::new(file, mask)
                .build());
            self.push(index, &[(OP_IDLE_POLL, poll)], 1);
        }
    }

    /// The idle poll fired (`result` is the event mask) or was cancelled (negative). Fired,
    /// the server closed the connection, or sent something nobody asked for (a 408 before
    /// closing): as on mio, it is dropped, and the next request opens a new one rather than
    /// racing the close or taking the stray bytes for its answer.
    fn on_idle_poll(&mut self, index: usize, result: i32) {
        let conn = &self.conns[index];
        if result > 0 && conn.exchange.state == State::Idle && conn.fd.is_some() {
            self.close(index);
        }
    }

    fn start_request(&mut self, index: usize, intended: Instant) {
        self.books.start(&mut self.conns[index].exchange, intended);
        let conn = &mut self.conns[index];
        if std::mem::take(&mut conn.idle_watched) && conn.pending > 0 {
            // Its idle poll is still in the ring: gone before the request is sent (the
            // cancel is queued first), its completion then ignored.
            let cancel = opcode::AsyncCancel::new(((index as u64) << 8) | OP_IDLE_POLL).build();
            self.push(index, &[(OP_CANCEL, cancel)], 0);
        }
        let conn = &mut self.conns[index];
        if conn.fd.is_some() {
            conn.exchange.reused = true;
            self.send_and_receive(index);
        } else {
            self.connect(index);
        }
    }

    fn connect(&mut self, index: usize) {
        let addr = &self.addrs[self.conns[index].exchange.target];
        // SAFETY: socket(2) with constant arguments; the result is checked.
        let fd: RawFd =
            unsafe { libc::socket(addr.family(), libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            let error = std::io::Error::last_os_error();
            return self.fail(index, &connect_class(&error));
        }
        // SAFETY: `fd` was just returned by socket(2) and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let one: libc::c_int = 1;
        // SAFETY: setsockopt with a valid fd and an int option value.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                std::ptr::from_ref(&one).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        // A connection that cannot have its slot runs on its descriptor.
        let registered = self.registered_files
            && self.ring.as_ref().is_some_and(|ring| {
                ring.submitter()
                    .register_files_update(index as u32, &[fd.as_raw_fd()])
                    .is_ok()
            });
        let conn = &mut self.conns[index];
        conn.registered = registered;
        let entry = on_file!(conn, index, fd, |file| opcode::Connect::new(
            file,
            std::ptr::from_ref(&addr.storage).cast(),
            addr.len,
        )
        .build());
        conn.fd = Some(fd);
        conn.exchange.reused = false;
        conn.exchange.state = State::Connecting;
        self.push(index, &[(OP_CONNECT, entry)], 1);
    }

    /// The request and the receive of its response, linked: the receive starts once the
    /// whole request is sent (MSG_WAITALL: the kernel finishes a short send itself, and a
    /// send that fails cancels the receive).
    fn send_and_receive(&mut self, index: usize) {
        let conn = &mut self.conns[index];
        let Some(fd) = conn.fd.as_ref() else {
            return;
        };
        conn.exchange.state = State::Writing;
        let request = &self.plan.targets[conn.exchange.target].request;
        // The send's success is not reported (SKIP_SUCCESS): the pair then completes once,
        // with the receive's completion when the send succeeded, or with the send's own when
        // it failed — for a failing skip-success link head the kernel also skips the
        // cancelled receive's completion. Either way one completion ends the pair.
        let mut link = squeue::Flags::IO_LINK;
        if self.skip_send_completions {
            link |= squeue::Flags::SKIP_SUCCESS;
        }
        let send = on_file!(conn, index, fd, |file| opcode::Send::new(
            file,
            request.as_ptr(),
            request.len().min(u32::MAX as usize) as u32,
        )
        .flags(libc::MSG_NOSIGNAL | libc::MSG_WAITALL)
        .build()
        .flags(link));
        let recv = on_file!(conn, index, fd, |file| opcode::Recv::new(
            file,
            conn.buffer.as_mut_ptr(),
            conn.buffer.len() as u32,
        )
        .build());
        let completions = if self.skip_send_completions { 1 } else { 2 };
        self.push(index, &[(OP_SEND, send), (OP_RECV, recv)], completions);
    }

    /// Another receive, for the rest of a response.
    fn recv(&mut self, index: usize) {
        let conn = &mut self.conns[index];
        let Some(fd) = conn.fd.as_ref() else {
            return;
        };
        let entry = on_file!(conn, index, fd, |file| opcode::Recv::new(
            file,
            conn.buffer.as_mut_ptr(),
            conn.buffer.len() as u32,
        )
        .build());
        self.push(index, &[(OP_RECV, entry)], 1);
    }

    fn on_completion(&mut self, user_data: u64, result: i32) {
        let (index, op) = ((user_data >> 8) as usize, user_data & 0xff);
        if op == OP_CANCEL || index >= self.conns.len() {
            return;
        }
        let conn = &mut self.conns[index];
        conn.pending = conn.pending.saturating_sub(1);
        if let Some(then) = conn.after_drain {
            // The request is over already; this completion only says the ring let go.
            if conn.pending == 0 {
                conn.after_drain = None;
                match then {
                    AfterDrain::Free => {
                        conn.exchange.state = State::Idle;
                        self.books.ready.push_back(index);
                    }
                    AfterDrain::Retry => self.connect(index),
                }
            }
            return;
        }
        let error = (result < 0).then(|| std::io::Error::from_raw_os_error(-result));
        match (op, conn.exchange.state) {
            (OP_CONNECT, State::Connecting) => match error {
                Some(e) => self.fail(index, &connect_class(&e)),
                None => self.send_and_receive(index),
            },
            (OP_SEND, State::Writing) => match error {
                Some(e) => self.fail_io(index, &e),
                // Sent whole (MSG_WAITALL); the linked receive is under way.
                None => conn.exchange.state = State::Reading,
            },
            (OP_IDLE_POLL, _) => self.on_idle_poll(index, result),
            (OP_RECV, State::Writing | State::Reading) => match error {
                Some(e) => self.fail_io(index, &e),
                None if result == 0 => self.on_eof(index),
                None => {
                    conn.exchange.state = State::Reading;
                    match conn.exchange.response.feed(&conn.buffer[..result as usize]) {
                        Progress::Complete { status, close } => self.finish(index, status, close),
                        Progress::Invalid => self.fail(index, "invalid response"),
                        Progress::More => self.recv(index),
                    }
                }
            },
            _ => {}
        }
    }

    fn on_eof(&mut self, index: usize) {
        if let Progress::Complete { status, close } = self.conns[index].exchange.response.at_eof() {
            return self.finish(index, status, close);
        }
        if self.retry_on_new_connection(index) {
            return;
        }
        self.fail(index, "reset");
    }

    /// The server closed (or reset) a reused keep-alive connection before answering any of
    /// this request: it was idle-closed as we sent, and never read the request. Reopen and
    /// send again, once, as browsers and curl do; the request keeps its intended time, and
    /// the retry is counted. `false` when that does not apply.
    fn retry_on_new_connection(&mut self, index: usize) -> bool {
        let conn = &self.conns[index];
        if conn.exchange.response.received() || !conn.exchange.reused || conn.exchange.retried_stale
        {
            return false;
        }
        let target = conn.exchange.target;
        self.books.retried(target);
        self.close(index);
        let conn = &mut self.conns[index];
        conn.exchange.retried_stale = true;
        if conn.pending > 0 {
            // A failed send: its linked receive is still to come back, cancelled.
            conn.after_drain = Some(AfterDrain::Retry);
            conn.drain_started = Instant::now();
        } else {
            self.connect(index);
        }
        true
    }

    fn finish(&mut self, index: usize, status: u16, close: bool) {
        if close || !self.plan.keepalive {
            self.close(index);
        }
        let conn = &mut self.conns[index];
        conn.exchange.response.reset();
        conn.exchange.state = State::Idle;
        let (target, intended) = (conn.exchange.target, conn.exchange.intended);
        self.books.answered(index, target, status, intended);
    }

    /// Close the connection's socket: its descriptor, and its slot, which would otherwise
    /// keep the socket open (no FIN sent) until the slot is next filled. Operations still in
    /// the ring keep what they use until they complete.
    fn close(&mut self, index: usize) {
        let conn = &mut self.conns[index];
        if conn.fd.take().is_some() && std::mem::take(&mut conn.registered) {
            if let Some(ring) = self.ring.as_ref() {
                let _ = ring.submitter().register_files_update(index as u32, &[-1]);
            }
        }
    }

    fn fail_io(&mut self, index: usize, error: &std::io::Error) {
        let closed_by_peer = matches!(
            error.kind(),
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::ConnectionAborted
        );
        if closed_by_peer && self.retry_on_new_connection(index) {
            return;
        }
        self.fail(index, &io_class(error));
    }

    /// Count the request as failed and close its connection. Operations still in the ring
    /// are cancelled; the connection is free once the ring has given them all back.
    fn fail(&mut self, index: usize, class: &str) {
        self.close(index);
        let conn = &mut self.conns[index];
        let target = conn.exchange.target;
        conn.exchange.state = State::Idle;
        let pending = conn.pending > 0;
        if pending {
            conn.after_drain = Some(AfterDrain::Free);
            conn.drain_started = Instant::now();
            for op in [OP_CONNECT, OP_SEND, OP_RECV, OP_IDLE_POLL] {
                let cancel = opcode::AsyncCancel::new(((index as u64) << 8) | op).build();
                self.push(index, &[(OP_CANCEL, cancel)], 0);
            }
        }
        self.books.failed(index, target, class, !pending);
    }

    /// Fail requests that have waited longer than their timeout.
    fn expire(&mut self) {
        let now = Instant::now();
        for index in 0..self.conns.len() {
            let conn = &self.conns[index];
            if conn.after_drain.is_some() {
                continue;
            }
            let (limit, class) = match conn.exchange.state {
                State::Connecting => (self.plan.connect_timeout, "connect timeout"),
                State::Writing | State::Reading => (self.plan.timeout, "timeout"),
                State::Idle | State::Done => continue,
            };
            if now.duration_since(conn.exchange.started) >= limit {
                self.fail(index, class);
            }
        }
    }
}
