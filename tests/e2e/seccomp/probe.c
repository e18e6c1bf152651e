/* Calls that the tier-3 seccomp profile refuses, one line each:
 * "<name> ok" when the kernel carried the call out, else "<name> <ERRNO>".
 * Each call is made so that the kernel itself does not answer EPERM to root
 * in a container without extra capabilities (bpf gets an unknown command:
 * EINVAL when it reaches the kernel), so EPERM means the seccomp filter. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static void report(const char *name, long rc, int err) {
  if (rc >= 0) {
    printf("%s ok\n", name);
  } else {
    const char *e = strerrorname_np(err);
    printf("%s %s\n", name, e ? e : "unknown");
  }
  fflush(stdout);
}

/* PTRACE_ATTACH to a child of ours, then detach and end it. */
static void probe_ptrace(void) {
  pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  long rc = ptrace(PTRACE_ATTACH, child, NULL, NULL);
  int err = errno;
  if (rc == 0) {
    waitpid(child, NULL, 0);
    ptrace(PTRACE_DETACH, child, NULL, NULL);
  }
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  report("ptrace_attach", rc, err);
}

/* unshare(CLONE_NEWUSER) in a child, which passes errno back as its status. */
static void probe_unshare(void) {
  pid_t child = fork();
  if (child == 0) {
    _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
  }
  int status = 0;
  waitpid(child, &status, 0);
  int err = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
  report("unshare_user", err == 0 ? 0 : -1, err);
}

int main(void) {
  probe_ptrace();
  probe_unshare();

  /* KEYCTL_GET_KEYRING_ID (0) of the session keyring (-3), not created. */
  long rc = syscall(SYS_keyctl, 0, -3, 0);
  report("keyctl", rc, errno);

  rc = socket(AF_VSOCK, SOCK_STREAM, 0);
  int err = errno;
  if (rc >= 0) close((int)rc);
  report("socket_vsock", rc, err);

  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  rc = syscall(SYS_io_uring_setup, 1, &params);
  err = errno;
  if (rc >= 0) close((int)rc);
  report("io_uring_setup", rc, err);

  /* An unknown bpf command: EINVAL from the kernel, EPERM from the filter. */
  rc = syscall(SYS_bpf, 0x7fff, NULL, 0);
  report("bpf", rc, errno);
  return 0;
}
