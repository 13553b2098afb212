/*
 * nwb-child: the supervised program of `npm run bench`, identical for every
 * manager and cheap enough that what is measured is the manager.
 *
 *   nwb-child sleep DIR ID        writes DIR/ID.start = "<CLOCK_MONOTONIC ns> <pid>\n"
 *                                 (atomically, via rename) at exec, then pause()s;
 *                                 on SIGTERM writes DIR/ID.stop = "<ns>\n", exits 0.
 *   nwb-child spew FILE SECONDS   writes numbered 100-byte lines to stdout, one
 *                                 blocking write(2) per line, for SECONDS; then
 *                                 FILE = "<lines> <start ns> <end ns>\n" and pause()s;
 *                                 exits 0 on SIGTERM.
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
}

_Noreturn static void run_sleep(const char *dir, const char *id) {
  long long t = now_ns();
  char path[4096], tmp[4096], buf[64];
  snprintf(path, sizeof path, "%s/%s.start", dir, id);
  snprintf(tmp, sizeof tmp, "%s/%s.start.%d", dir, id, (int)getpid());
  snprintf(stop_path, sizeof stop_path, "%s/%s.stop", dir, id);
  int n = snprintf(buf, sizeof buf, "%lld %d\n", t, (int)getpid());
  write_file(tmp, buf, n);
  rename(tmp, path);
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

_Noreturn static void run_spew(const char *count_file, double seconds) {
  char line[100];
  long long start = now_ns();
  long long end_at = start + (long long)(seconds * 1e9);
  unsigned long long seq = 0;
  long long end = start;
  for (;;) {
    /* 12-digit sequence, a space, 86 letters derived from it, a newline. */
    snprintf(line, 14, "%012llu ", seq);
    memset(line + 13, 'a' + (int)(seq % 26), 86);
    line[99] = '\n';
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

int main(int argc, char **argv) {
  install_handlers();
  if (argc == 4 && strcmp(argv[1], "sleep") == 0) run_sleep(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "spew") == 0) run_spew(argv[2], atof(argv[3]));
  fprintf(stderr, "usage: nwb-child sleep DIR ID | spew COUNTFILE SECONDS\n");
  return 2;
}
