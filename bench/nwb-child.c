/*
 * nwb-child: the supervised program of `npm run bench`, identical for every
 * manager and cheap enough that what is measured is the manager.
 *
 *   nwb-child sleep DIR ID        writes DIR/ID.start = "<CLOCK_MONOTONIC ns> <pid>\n"
 *                                 (atomically, via rename) at exec, then pause()s;
 *                                 on SIGTERM writes DIR/ID.stop = "<ns>\n", exits 0.
 *   nwb-child spew FILE SECONDS [signal]
 *                                 writes numbered 100-byte lines to stdout, one
 *                                 blocking write(2) per line, for SECONDS; then
 *                                 FILE = "<lines> <start ns> <end ns>\n" and pause()s;
 *                                 exits 0 on SIGTERM. With `signal` it first writes
 *                                 FILE.ready = "<ns> <pid>\n" and waits for SIGUSR1.
 *   nwb-child write DIR ID BYTES_PER_S SECONDS
 *                                 writes DIR/ID.start like `sleep`, waits for SIGUSR1,
 *                                 then writes the same numbered lines at BYTES_PER_S
 *                                 (a batch every 10 ms) for SECONDS; then
 *                                 DIR/ID.count = "<lines> <start ns> <end ns>\n", pause()s.
 *
 * CLOCK_MONOTONIC is the clock of node's process.hrtime, so the bench compares
 * these stamps with its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char stop_path[4096];
static volatile sig_atomic_t go_signal = 0;
static sigset_t wait_mask;

static void on_go(int sig) {
  (void)sig;
  go_signal = 1;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Async-signal-safe decimal formatting; returns the length written. */
static int fmt_ll(char *buf, long long v) {
  char tmp[24];
  int n = 0, len = 0;
  if (v == 0) tmp[n++] = '0';
  while (v > 0) { tmp[n++] = (char)('0' + v % 10); v /= 10; }
  while (n > 0) buf[len++] = tmp[--n];
  return len;
}

static void write_file(const char *path, const char *data, int len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  if (write(fd, data, (size_t)len) < 0) { /* nothing to do from a handler */ }
  close(fd);
}

static void on_term(int sig) {
  (void)sig;
  if (stop_path[0] != '\0') {
    char buf[32];
    int n = fmt_ll(buf, now_ns());
    buf[n++] = '\n';
    write_file(stop_path, buf, n);
  }
  _exit(0);
}

static void install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  /* SIGUSR1 stays blocked until wait_for_go() waits for it: none is lost. */
  struct sigaction go;
  memset(&go, 0, sizeof go);
  go.sa_handler = on_go;
  sigaction(SIGUSR1, &go, NULL);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &wait_mask);
}

static void wait_for_go(void) {
  while (!go_signal) sigsuspend(&wait_mask);
}

/* DIR/ID.start = "<ns> <pid>\n", atomically. */
static void stamp_start(const char *dir, const char *id) {
  long long t = now_ns();
  char path[4096], tmp[4096], buf[64];
  snprintf(path, sizeof path, "%s/%s.start", dir, id);
  snprintf(tmp, sizeof tmp, "%s/%s.start.%d", dir, id, (int)getpid());
  int n = snprintf(buf, sizeof buf, "%lld %d\n", t, (int)getpid());
  write_file(tmp, buf, n);
  rename(tmp, path);
}

_Noreturn static void run_sleep(const char *dir, const char *id) {
  snprintf(stop_path, sizeof stop_path, "%s/%s.stop", dir, id);
  stamp_start(dir, id);
  for (;;) pause();
}

static int write_all(const char *p, size_t len) {
  while (len > 0) {
    ssize_t w = write(1, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

static void make_line(char *line, unsigned long long seq) {
  /* 12-digit sequence, a space, 86 letters derived from it, a newline. */
  snprintf(line, 14, "%012llu ", seq);
  memset(line + 13, 'a' + (int)(seq % 26), 86);
  line[99] = '\n';
}

_Noreturn static void run_spew(const char *count_file, double seconds, int on_signal) {
  char line[100];
  if (on_signal) {
    char ready[4096], tmp[4096], buf[64];
    snprintf(ready, sizeof ready, "%s.ready", count_file);
    snprintf(tmp, sizeof tmp, "%s.ready.%d", count_file, (int)getpid());
    int n = snprintf(buf, sizeof buf, "%lld %d\n", now_ns(), (int)getpid());
    write_file(tmp, buf, n);
    rename(tmp, ready);
    wait_for_go();
  }
  long long start = now_ns();
  long long end_at = start + (long long)(seconds * 1e9);
  unsigned long long seq = 0;
  long long end = start;
  for (;;) {
    make_line(line, seq);
    if (write_all(line, sizeof line) < 0) break;
    seq++;
    if ((seq & 255) == 0 && (end = now_ns()) >= end_at) break;
  }
  end = now_ns();
  char buf[96];
  int n = snprintf(buf, sizeof buf, "%llu %lld %lld\n", seq, start, end);
  write_file(count_file, buf, n);
  for (;;) pause();
}

_Noreturn static void run_write(const char *dir, const char *id, double rate, double seconds) {
  stamp_start(dir, id);
  wait_for_go();
  /* Lines per 10 ms tick, carrying the fraction so the rate holds on average. */
  double per_tick = rate / 100.0 / 100.0, owed = 0;
  char line[100], *batch = malloc((size_t)(per_tick + 2) * 100);
  long long start = now_ns(), end_at = start + (long long)(seconds * 1e9), next = start;
  unsigned long long seq = 0;
  if (batch == NULL) _exit(1);
  while (next < end_at) {
    owed += per_tick;
    size_t k = 0;
    while (owed >= 1.0) {
      make_line(line, seq++);
      memcpy(batch + k * 100, line, 100);
      k++;
      owed -= 1.0;
    }
    if (k > 0 && write_all(batch, k * 100) < 0) break;
    next += 10000000LL;
    struct timespec ts = {(time_t)(next / 1000000000LL), (long)(next % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
  }
  long long end = now_ns();
  char path[4096], tmp[4096], buf[96];
  snprintf(path, sizeof path, "%s/%s.count", dir, id);
  snprintf(tmp, sizeof tmp, "%s/%s.count.%d", dir, id, (int)getpid());
  int n = snprintf(buf, sizeof buf, "%llu %lld %lld\n", seq, start, end);
  write_file(tmp, buf, n);
  rename(tmp, path);
  for (;;) pause();
}

int main(int argc, char **argv) {
  install_handlers();
  if (argc == 4 && strcmp(argv[1], "sleep") == 0) run_sleep(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "spew") == 0) run_spew(argv[2], atof(argv[3]), 0);
  if (argc == 5 && strcmp(argv[1], "spew") == 0 && strcmp(argv[4], "signal") == 0) run_spew(argv[2], atof(argv[3]), 1);
  if (argc == 6 && strcmp(argv[1], "write") == 0) run_write(argv[2], argv[3], atof(argv[4]), atof(argv[5]));
  fprintf(stderr, "usage: nwb-child sleep DIR ID | spew COUNTFILE SECONDS [signal] | write DIR ID BYTES_PER_S SECONDS\n");
  return 2;
}
