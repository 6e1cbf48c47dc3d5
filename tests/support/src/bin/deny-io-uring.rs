//! `deny-io-uring [--file-registration | --buffer-rings] COMMAND [ARGS...]`: run COMMAND
//! under a seccomp filter that refuses io_uring_setup(2) with EPERM, as the default seccomp
//! profiles of some container runtimes do, so tests see how a tool behaves where io_uring is
//! forbidden. With `--file-registration`, rings are allowed but io_uring_register(2)'s
//! registrations of files are refused, so tests see a ring without registered files; with
//! `--buffer-rings`, its registration of provided-buffer rings is, as on kernels before 5.19.

use std::os::unix::process::CommandExt;

/// A classic BPF instruction (linux/filter.h).
#[repr(C)]
struct SockFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

// BPF_LD | BPF_W | BPF_ABS (0x00 | 0x00 | 0x20), BPF_JMP | BPF_JEQ | BPF_K (0x05 | 0x10 |
// 0x00), BPF_RET | BPF_K (0x06 | 0x00).
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JMP_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
/// seccomp_data: `nr` at offset 0, `arch` at 4, the arguments from 16, 8 bytes each (the
/// low half first on the little-endian machines this runs on).
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_SECOND_ARGUMENT: u32 = 16 + 8;
/// io_uring_register(2) opcodes that register files: IORING_REGISTER_FILES,
/// IORING_REGISTER_FILES_UPDATE, IORING_REGISTER_FILES2, IORING_REGISTER_FILES_UPDATE2.
const FILE_REGISTRATIONS: &[u32] = &[2, 6, 13, 14];
/// The io_uring_register(2) opcode that registers a provided-buffer ring:
/// IORING_REGISTER_PBUF_RING.
const BUFFER_RING_REGISTRATIONS: &[u32] = &[22];
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;

#[allow(clippy::print_stderr)] // the helper's own usage errors
fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // The io_uring_register(2) opcodes to refuse; none: refuse io_uring_setup(2) instead.
    let registrations = match args.first().map(String::as_str) {
        Some("--file-registration") => FILE_REGISTRATIONS,
        Some("--buffer-rings") => BUFFER_RING_REGISTRATIONS,
        _ => &[],
    };
    if !registrations.is_empty() {
        args.remove(0);
    }
    let Some((program, rest)) = args.split_first() else {
        eprintln!("usage: deny-io-uring [--file-registration | --buffer-rings] COMMAND [ARGS...]");
        std::process::exit(2);
    };
    let arch = if cfg!(target_arch = "x86_64") {
        AUDIT_ARCH_X86_64
    } else {
        AUDIT_ARCH_AARCH64
    };
    let load = |k| SockFilter {
        code: BPF_LD_W_ABS,
        jt: 0,
        jf: 0,
        k,
    };
    let ret = |k| SockFilter {
        code: BPF_RET_K,
        jt: 0,
        jf: 0,
        k,
    };
    // `jt`/`jf`: how many instructions to skip when the comparison holds / does not.
    let jump_if = |k, jt, jf| SockFilter {
        code: BPF_JMP_JEQ_K,
        jt,
        jf,
        k,
    };
    let refuse = ret(SECCOMP_RET_ERRNO | libc::EPERM as u32);
    let allow = ret(SECCOMP_RET_ALLOW);
    let mut filter = vec![
        // Another architecture's system call numbers mean other calls: allow.
        load(OFFSET_ARCH),
        jump_if(arch, 1, 0),
        ret(SECCOMP_RET_ALLOW),
        load(OFFSET_NR),
    ];
    if !registrations.is_empty() {
        let count = registrations.len() as u8;
        // Not io_uring_register: on to the allow after the comparisons.
        filter.push(jump_if(libc::SYS_io_uring_register as u32, 0, count + 1));
        filter.push(load(OFFSET_SECOND_ARGUMENT));
        for (i, &opcode) in registrations.iter().enumerate() {
            // One to refuse: on to the refusal, past the other comparisons and the allow.
            filter.push(jump_if(opcode, count - i as u8, 0));
        }
        filter.push(allow);
        filter.push(refuse);
    } else {
        filter.push(jump_if(libc::SYS_io_uring_setup as u32, 0, 1));
        filter.push(refuse);
        filter.push(allow);
    }
    let program_filter = SockFprog {
        len: filter.len() as u16,
        filter: filter.as_ptr(),
    };
    // SAFETY: prctl with documented arguments; the filter outlives the call (the kernel
    // copies it).
    let installed = unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
            && libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                std::ptr::from_ref(&program_filter),
            ) == 0
    };
    if !installed {
        eprintln!(
            "deny-io-uring: cannot install the seccomp filter: {}",
            std::io::Error::last_os_error()
        );
        std::process::exit(1);
    }
    let error = std::process::Command::new(program).args(rest).exec();
    eprintln!("deny-io-uring: cannot run {program}: {error}");
    std::process::exit(127);
}
