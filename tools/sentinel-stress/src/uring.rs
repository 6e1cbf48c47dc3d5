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
//! Each open connection has one multishot receive armed for as long as it is open: the kernel
//! reads whatever arrives into a buffer it takes from the worker's ring of provided buffers
//! and posts a completion naming it, with no new submission per response. So a request is one
//! submission entry (its send, MSG_WAITALL, whose success is not reported) and one completion
//! (its response), and an idle keep-alive connection the server closes, or sends stray bytes
//! on, is seen at once, as mio's epoll sees it. Completions are run in the worker's own enter
//! (DEFER_TASKRUN), in batches.
//!
//! No buffer belongs to a connection, so no late completion can land in memory that serves
//! another request: the kernel fills only buffers the ring holds, and a buffer goes back to it
//! once read. A connection's operations carry its generation, counted up at every close, so a
//! completion of a closed connection's operation is known and ignored (its buffer returned).

use crate::books::{Books, Dispatch, Exchange, State};
use crate::engine::{Measurements, Plan, Schedule, Shared, connect_class, io_class};
use crate::response::Progress;
use hdrhistogram::Histogram;
use io_uring::{IoUring, cqueue, opcode, squeue, types};
use std::alloc::Layout;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// Each receive buffer: the mio engine's read size, so both engines see a response in the
/// same pieces (bytes a server sends after a response's end are dropped with the piece they
/// came in, on both alike).
const RECV_BUFFER: usize = 16 * 1024;

/// What a completion was for (the low byte of its user data; the connection's generation is
/// the next 16 bits, its index above them).
const OP_CONNECT: u64 = 1;
const OP_SEND: u64 = 2;
const OP_RECV: u64 = 3;
const OP_CANCEL: u64 = 4;

/// Requests longer than this have their send's success reported: the kernel may still be
/// sending them when the answer comes (a server may answer before it has read a body), and
/// the request is over only once both are. A shorter one fits in an idle socket's send
/// buffer, so its send is over when it is submitted (its success not reported: a completion
/// fewer per request).
const REPORTED_SEND: usize = 4096;

/// The buffer group of the worker's ring of receive buffers, its only one.
const BUFFER_GROUP: u16 = 0;

fn user_data(index: usize, generation: u16, op: u64) -> u64 {
    ((index as u64) << 24) | (u64::from(generation) << 8) | op
}

/// The connection, generation and operation a completion's user data names.
fn parts_of(user_data: u64) -> (usize, u16, u64) {
    (
        (user_data >> 24) as usize,
        (user_data >> 8) as u16,
        user_data & 0xff,
    )
}

/// Whether this machine lets a process make a ring (a seccomp profile, as in some
/// containers, refuses `io_uring_setup`; old kernels lack it) and the ring does what the
/// engine needs. `Err` says why not.
pub(crate) fn usable() -> Result<(), String> {
    // Declared before the ring, so dropped after it: the kernel lets go of the buffers first.
    let mut buffers = ReceiveBuffers::new(2, 64);
    let mut ring = IoUring::new(8).map_err(|e| format!("io_uring_setup: {e}"))?;
    if !ring.params().is_feature_ext_arg() {
        return Err("the kernel's io_uring has no timed wait (IORING_FEAT_EXT_ARG, 5.11)".into());
    }
    if !ring.params().is_feature_skip_cqe_on_success() {
        return Err(
            "the kernel's io_uring cannot skip successful completions (IORING_FEAT_CQE_SKIP, 5.17)"
                .into(),
        );
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
    // SAFETY: the ring is dropped before the buffers (declared after them).
    unsafe { buffers.register(&ring) }
        .map_err(|e| format!("io_uring provided-buffer ring (5.19): {e}"))?;
    multishot_receive_works(&mut ring, &mut buffers)
}

/// Try a multishot receive (6.0) on a socket pair: one byte sent must come back in a
/// completion that names a provided buffer and says more are to come.
fn multishot_receive_works(ring: &mut IoUring, buffers: &mut ReceiveBuffers) -> Result<(), String> {
    let mut pair = [0 as RawFd; 2];
    // SAFETY: socketpair(2) fills the two descriptors; the result is checked.
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            pair.as_mut_ptr(),
        )
    } != 0
    {
        return Err(format!("socketpair: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: both were just returned by socketpair(2) and are owned by nobody else.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(pair[0]), OwnedFd::from_raw_fd(pair[1])) };
    let receive = opcode::RecvMulti::new(types::Fd(ours.as_raw_fd()), BUFFER_GROUP)
        .build()
        .user_data(OP_RECV);
    // SAFETY: the receive reads into the registered buffers, which outlive the ring.
    unsafe { ring.submission().push(&receive) }.map_err(|e| format!("io_uring: {e}"))?;
    ring.submit().map_err(|e| format!("io_uring_enter: {e}"))?;
    // SAFETY: writing one byte from a constant to a socket we own.
    if unsafe { libc::write(theirs.as_raw_fd(), b"x".as_ptr().cast(), 1) } != 1 {
        return Err(format!(
            "socketpair write: {}",
            std::io::Error::last_os_error()
        ));
    }
    let timespec = types::Timespec::from(Duration::from_secs(1));
    let _ = ring
        .submitter()
        .submit_with_args(1, &types::SubmitArgs::new().timespec(&timespec));
    let completion = ring.completion().next();
    let works = completion.as_ref().is_some_and(|c| {
        c.result() == 1 && cqueue::buffer_select(c.flags()).is_some() && cqueue::more(c.flags())
    });
    if let Some(bid) = completion.and_then(|c| cqueue::buffer_select(c.flags())) {
        buffers.give_back(bid);
    }
    if works {
        Ok(())
    } else {
        Err("the kernel's io_uring has no multishot receive (IORING_RECV_MULTISHOT, 6.0)".into())
    }
}

/// The worker's receive buffers and the ring of their descriptors that the kernel takes them
/// from (a provided-buffer ring, IORING_REGISTER_PBUF_RING).
struct ReceiveBuffers {
    /// The descriptors: page-aligned, as the kernel requires; the ring's tail is in the first.
    descriptors: NonNull<types::BufRingEntry>,
    layout: Layout,
    entries: u16,
    /// Where the next buffer given back goes (counts up, wraps at 2^16 as the kernel's does).
    tail: u16,
    size: usize,
    /// The buffers, `entries * size` bytes: written by the kernel, read here once a
    /// completion has named a buffer. A raw pointer, never a Rust reference to the whole,
    /// since the kernel may be writing into other buffers meanwhile.
    memory: NonNull<u8>,
}

impl ReceiveBuffers {
    /// `entries` buffers (a power of two) of `size` bytes, all in the ring.
    fn new(entries: u16, size: usize) -> ReceiveBuffers {
        // SAFETY: sysconf(3) with a constant name.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
            .unwrap_or(4096)
            .max(4096);
        let layout = Layout::from_size_align(
            usize::from(entries) * std::mem::size_of::<types::BufRingEntry>(),
            page,
        )
        .expect("a page-aligned layout of at most 2^15 descriptors");
        // SAFETY: the layout's size is not zero (entries >= 1).
        let descriptors = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<types::BufRingEntry>();
        let Some(descriptors) = NonNull::new(descriptors) else {
            std::alloc::handle_alloc_error(layout);
        };
        let mut buffers = ReceiveBuffers {
            descriptors,
            layout,
            entries,
            tail: 0,
            size,
            memory: NonNull::new(Box::into_raw(
                vec![0u8; usize::from(entries) * size].into_boxed_slice(),
            ))
            .expect("a boxed slice is not null")
            .cast(),
        };
        for bid in 0..entries {
            buffers.give_back(bid);
        }
        buffers
    }

    /// Register the ring with `ring`, as buffer group [`BUFFER_GROUP`].
    ///
    /// # Safety
    /// `ring` must be dropped before these buffers: the kernel writes into them until then.
    unsafe fn register(&self, ring: &IoUring) -> std::io::Result<()> {
        // SAFETY: the descriptors are page-aligned and live as long as the caller promises.
        unsafe {
            ring.submitter().register_buf_ring_with_flags(
                self.descriptors.as_ptr() as u64,
                self.entries,
                BUFFER_GROUP,
                0,
            )
        }
    }

    /// The first `len` bytes of buffer `bid`, as a completion named them.
    fn read(&self, bid: u16, len: usize) -> &[u8] {
        let start = usize::from(bid % self.entries) * self.size;
        // SAFETY: the buffer is within the allocation, and the kernel is done with it: a
        // completion named it, and it is not back in the ring until `give_back`.
        unsafe { std::slice::from_raw_parts(self.memory.as_ptr().add(start), len.min(self.size)) }
    }

    /// Put buffer `bid` back in the ring for the kernel to fill again.
    fn give_back(&mut self, bid: u16) {
        let bid = bid % self.entries;
        let slot = usize::from(self.tail % self.entries);
        // SAFETY: the offset is within the allocation (bid < entries).
        let address = unsafe { self.memory.as_ptr().add(usize::from(bid) * self.size) } as u64;
        // SAFETY: `slot` is within the descriptors; the kernel reads a descriptor only once
        // the tail below has moved past it. Each setter writes its own field, never the tail
        // that shares the first descriptor.
        unsafe {
            let descriptor = &mut *self.descriptors.as_ptr().add(slot);
            descriptor.set_addr(address);
            descriptor.set_len(self.size as u32);
            descriptor.set_bid(bid);
        }
        self.tail = self.tail.wrapping_add(1);
        // SAFETY: the tail is a u16 inside the first descriptor, aligned for it; the release
        // store publishes the descriptor written above before the kernel can see the tail.
        unsafe {
            let tail = types::BufRingEntry::tail(self.descriptors.as_ptr()).cast::<AtomicU16>();
            (*tail).store(self.tail, Ordering::Release);
        }
    }
}

impl Drop for ReceiveBuffers {
    fn drop(&mut self) {
        let length = usize::from(self.entries) * self.size;
        // SAFETY: both allocated in `new`, the descriptors with this layout, the buffers as a
        // boxed slice of this length.
        unsafe {
            std::alloc::dealloc(self.descriptors.as_ptr().cast(), self.layout);
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                self.memory.as_ptr(),
                length,
            )));
        }
    }
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
    /// Counted up at every close: operations carry it, so a completion for a socket already
    /// closed is told from one for the socket open now.
    generation: u16,
    /// Whether the connection's multishot receive is armed.
    receiving: bool,
    /// Whether a send of this socket's may still be in the ring (cancelled at close).
    send_in_ring: bool,
    /// Whether the request's send, whose success is reported, has yet to complete.
    sending: bool,
    /// The answer that came before the request's send completed (status, close), finished
    /// once it does.
    early_answer: Option<(u16, bool)>,
    exchange: Exchange,
}

/// One ring and its share of the connections.
pub(crate) struct Worker<'a> {
    /// First, so it is dropped first: the kernel lets go of every operation before the
    /// buffers and addresses they point into are freed.
    ring: Option<IoUring>,
    buffers: ReceiveBuffers,
    plan: &'a Plan,
    books: Books<'a>,
    conns: Vec<Conn>,
    /// The targets' addresses as connect(2) takes them (read by the ring).
    addrs: Vec<RawAddr>,
    /// Completions taken from the ring (user data, result, flags), handled after it is
    /// released (reused).
    reaped: Vec<(u64, i32, u32)>,
    /// Whether the ring has a table of registered files, a slot per connection (5.19).
    registered_files: bool,
    /// Entries that found the submission queue full and could not be submitted (the
    /// completion queue was full too): queued first at the next enter.
    backlog: Vec<squeue::Entry>,
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
                generation: 0,
                receiving: false,
                send_in_ring: false,
                sending: false,
                early_answer: None,
                exchange: Exchange::new((first + i) % plan.targets.len().max(1), now),
            })
            .collect();
        // Room for every connection's operations in one round (a receive and a send, or a
        // cancel and a connect) and a spare.
        let entries = (2 * connections).next_power_of_two().clamp(8, 32_768) as u32;
        // A buffer per connection: a connection holds one only between the kernel's filling
        // it and this worker's reading it, in the same round. Fewer would end receives for
        // want of buffers (re-armed, but a system call's worth of work each).
        let buffers = connections.next_power_of_two().clamp(8, 32_768) as u16;
        Worker {
            plan,
            books: Books::new(plan, shared, window, connections, schedule, budget),
            conns,
            addrs: plan.targets.iter().map(|t| RawAddr::new(t.addr)).collect(),
            ring: None,
            buffers: ReceiveBuffers::new(buffers, RECV_BUFFER),
            reaped: Vec::with_capacity(entries as usize),
            registered_files: false,
            backlog: Vec::new(),
        }
        .with_ring(entries)
    }

    /// The ring: completions run only when this thread enters the ring (DEFER_TASKRUN, 6.1),
    /// else at the next transition to the kernel (COOP_TASKRUN, 5.19), else plainly. It has
    /// the worker's receive buffers registered, or it is not made.
    fn with_ring(mut self, entries: u32) -> Self {
        let ring = IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .build(entries)
            .or_else(|_| IoUring::builder().setup_coop_taskrun().build(entries))
            .or_else(|_| IoUring::new(entries))
            .ok()
            // SAFETY: the ring is dropped before the buffers (the field order of `Worker`).
            .filter(|ring| unsafe { self.buffers.register(ring) }.is_ok());
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
            if (past_deadline || stopped) && self.books.all_idle() {
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
            let wait = self.books.wait(now, next_expiry_check, deadline);
            self.submit_and_reap(wait);
            let reaped = std::mem::take(&mut self.reaped);
            for &(user_data, result, flags) in &reaped {
                self.on_completion(user_data, result, flags);
            }
            self.reaped = reaped;
            let now = Instant::now();
            if now >= next_expiry_check {
                self.expire();
                next_expiry_check = now + tick;
            }
        }
        // Sockets close as the connections drop; what is left in the ring (receives, and
        // what a stop abandoned) the kernel ends with the ring, dropped first.
        self.books.into_result()
    }

    /// Submit what is queued and wait up to `wait` for at least one completion (one system
    /// call for both), then take every completion there is.
    fn submit_and_reap(&mut self, wait: Duration) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        while let Some(entry) = self.backlog.last() {
            // SAFETY: as in `push`.
            if unsafe { ring.submission().push(entry) }.is_err() {
                break;
            }
            self.backlog.pop();
        }
        let timespec = types::Timespec::from(wait);
        let args = types::SubmitArgs::new().timespec(&timespec);
        // Return as soon as one completion is there. Asking for more with a short minimum
        // wait (IORING_FEAT_MIN_TIMEOUT) made fewer system calls but cost more CPU per
        // request (measured twice, README's benchmark notes), and asking for more without one
        // would hold answers already there until others come, inside the latency measured.
        // ETIME (the wait ended) and EINTR (a signal) are not failures; EBUSY means the
        // completion queue is full, which reaping below empties.
        let _ = ring.submitter().submit_with_args(1, &args);
        self.reaped.clear();
        for entry in ring.completion() {
            self.reaped
                .push((entry.user_data(), entry.result(), entry.flags()));
        }
    }

    /// Put an operation for connection `index` in the submission queue (submitting first if
    /// it is full).
    fn push(&mut self, index: usize, op: u64, entry: squeue::Entry) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        let entry = entry.user_data(user_data(index, self.conns[index].generation, op));
        // SAFETY: every buffer and address an entry points to lives in the worker's receive
        // buffers, `self.addrs` or the plan, none of which moves or is freed before the ring
        // is dropped.
        while unsafe { ring.submission().push(&entry) }.is_err() {
            if ring.submit().is_err() {
                // The completion queue is full (EBUSY) until the completions in hand are
                // reaped: kept for the next enter, not lost.
                self.backlog.insert(0, entry);
                return;
            }
        }
    }

    fn start_request(&mut self, index: usize, intended: Instant) {
        self.books.start(&mut self.conns[index].exchange, intended);
        let conn = &mut self.conns[index];
        if conn.fd.is_some() {
            conn.exchange.reused = true;
            self.send(index);
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
        conn.exchange.connecting();
        self.push(index, OP_CONNECT, entry);
    }

    /// Arm the connection's multishot receive: from now on whatever the server sends comes
    /// back as completions, until the connection closes (or the ring runs out of buffers).
    fn arm_receive(&mut self, index: usize) {
        let conn = &mut self.conns[index];
        let Some(fd) = conn.fd.as_ref() else {
            return;
        };
        conn.receiving = true;
        let entry = on_file!(conn, index, fd, |file| opcode::RecvMulti::new(
            file,
            BUFFER_GROUP
        )
        .build());
        self.push(index, OP_RECV, entry);
    }

    /// Send the request (MSG_WAITALL: the kernel finishes a short send itself). The success
    /// of a short one is not reported (SKIP_SUCCESS), a long one's is ([`REPORTED_SEND`]);
    /// its answer comes to the connection's receive, armed before it.
    fn send(&mut self, index: usize) {
        if !self.conns[index].receiving {
            self.arm_receive(index);
        }
        let conn = &mut self.conns[index];
        let Some(fd) = conn.fd.as_ref() else {
            return;
        };
        conn.exchange.state = State::Writing;
        let request = &self.plan.targets[conn.exchange.target].request;
        let reported = request.len() > REPORTED_SEND;
        let entry = on_file!(conn, index, fd, |file| opcode::Send::new(
            file,
            request.as_ptr(),
            request.len().min(u32::MAX as usize) as u32,
        )
        .flags(libc::MSG_NOSIGNAL | libc::MSG_WAITALL)
        .build());
        let entry = if reported {
            entry
        } else {
            entry.flags(squeue::Flags::SKIP_SUCCESS)
        };
        conn.sending = reported;
        conn.send_in_ring = true;
        self.push(index, OP_SEND, entry);
    }

    fn on_completion(&mut self, user_data: u64, result: i32, flags: u32) {
        let (index, generation, op) = parts_of(user_data);
        let buffer = cqueue::buffer_select(flags);
        let current = index < self.conns.len() && self.conns[index].generation == generation;
        if op == OP_RECV && current {
            self.conns[index].receiving &= cqueue::more(flags);
            self.on_receive(index, result, buffer);
        } else if op == OP_CONNECT && current {
            if self.conns[index].exchange.state == State::Connecting {
                match result {
                    0.. => self.send(index),
                    _ => self.fail(
                        index,
                        &connect_class(&std::io::Error::from_raw_os_error(-result)),
                    ),
                }
            }
        } else if op == OP_SEND && current {
            self.on_send(index, result);
        }
        // Whoever it was for (a closed connection's last receive too), a buffer goes back
        // to the ring once read.
        if let Some(bid) = buffer {
            self.buffers.give_back(bid);
        }
    }

    /// A send completed: a long request's, sent whole (or failed), or a short one's, failed
    /// (its success is not reported).
    fn on_send(&mut self, index: usize, result: i32) {
        let conn = &mut self.conns[index];
        if !matches!(conn.exchange.state, State::Writing | State::Reading) {
            return;
        }
        conn.sending = false;
        conn.send_in_ring = false;
        let length = self.plan.targets[conn.exchange.target].request.len();
        if result < 0 || (result as usize) < length {
            // Answered or not, a request not sent whole failed, as on mio (which writes the
            // whole request before it reads). A send cut short by the server's reset reports
            // the bytes it sent, not an error.
            conn.early_answer = None;
            let error = if result < 0 {
                std::io::Error::from_raw_os_error(-result)
            } else {
                std::io::Error::from(std::io::ErrorKind::ConnectionReset)
            };
            return self.fail_io(index, &error);
        }
        if let Some((status, close)) = conn.early_answer.take() {
            self.finish(index, status, close);
        }
    }

    /// What the connection's receive brought: `result` bytes in buffer `buffer`, the end of
    /// the stream (0), or an error.
    fn on_receive(&mut self, index: usize, result: i32, buffer: Option<u16>) {
        if self.conns[index].early_answer.is_some() {
            // Answered, its send still going: what comes after the answer (more bytes, the
            // server's close) changes nothing until the send ends, well or not.
            return;
        }
        if result == -libc::ENOBUFS {
            // The ring ran out of buffers: what came waits in the socket for the receive,
            // armed again.
            return self.arm_receive(index);
        }
        match self.conns[index].exchange.state {
            State::Writing | State::Reading => {}
            State::Idle => {
                // An idle keep-alive connection: the server closed it, or sent something
                // nobody asked for (a 408 before closing). As on mio, it is dropped, and the
                // next request opens a new one rather than racing the close or taking the
                // stray bytes for its answer.
                return self.close(index);
            }
            State::Connecting | State::Done => return,
        }
        if result < 0 {
            return self.fail_io(index, &std::io::Error::from_raw_os_error(-result));
        }
        if result == 0 {
            return self.on_eof(index);
        }
        let Some(bid) = buffer else {
            return self.fail(index, "invalid response");
        };
        let piece = self.buffers.read(bid, result as usize);
        let conn = &mut self.conns[index];
        conn.exchange.state = State::Reading;
        match conn.exchange.response.feed(piece) {
            // Answered before its send is over (a server may answer before reading a body):
            // the request ends when the send does, as on mio.
            Progress::Complete { status, close } if conn.sending => {
                conn.early_answer = Some((status, close));
            }
            Progress::Complete { status, close } => self.finish(index, status, close),
            Progress::Invalid => self.fail(index, "invalid response"),
            Progress::More if !conn.receiving => self.arm_receive(index),
            Progress::More => {}
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
        self.conns[index].exchange.retried_stale = true;
        self.connect(index);
        true
    }

    fn finish(&mut self, index: usize, status: u16, close: bool) {
        let conn = &mut self.conns[index];
        conn.exchange.response.reset();
        conn.exchange.state = State::Idle;
        let (target, intended) = (conn.exchange.target, conn.exchange.intended);
        if close || !self.plan.keepalive {
            self.close(index);
        }
        self.books.answered(index, target, status, intended);
    }

    /// Close the connection's socket: cancel what the ring may still be doing on it (its
    /// receive, and a connect or a send of a request not answered: a send to a server that
    /// never reads waits for ever), each of which would otherwise hold the socket open; clear
    /// its slot, which would too (no FIN sent until the slot is next filled); and count its
    /// generation up, so what the ring still owes the socket is ignored when it comes.
    fn close(&mut self, index: usize) {
        let conn = &self.conns[index];
        if conn.fd.is_none() {
            return;
        }
        let in_flight = [
            (conn.receiving, OP_RECV),
            (conn.exchange.state == State::Connecting, OP_CONNECT),
            (conn.send_in_ring, OP_SEND),
        ];
        let generation = conn.generation;
        for (_, op) in in_flight.into_iter().filter(|(busy, _)| *busy) {
            let target = user_data(index, generation, op);
            self.push(index, OP_CANCEL, opcode::AsyncCancel::new(target).build());
        }
        let conn = &mut self.conns[index];
        conn.receiving = false;
        conn.send_in_ring = false;
        conn.sending = false;
        conn.early_answer = None;
        conn.fd = None;
        conn.generation = conn.generation.wrapping_add(1);
        if std::mem::take(&mut conn.registered) {
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

    /// Count the request as failed and close its connection (what the ring still owes it is
    /// ignored when it comes); the connection is free for the next request at once.
    fn fail(&mut self, index: usize, class: &str) {
        self.close(index);
        let conn = &mut self.conns[index];
        let target = conn.exchange.target;
        conn.exchange.state = State::Idle;
        self.books.failed(index, target, class);
    }

    /// Fail requests that have waited longer than their timeout.
    fn expire(&mut self) {
        let now = Instant::now();
        for index in 0..self.conns.len() {
            if let Some(class) = self.conns[index].exchange.overdue(now, self.plan) {
                self.fail(index, class);
            }
        }
    }
}
