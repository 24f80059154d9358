/* tcpq: DNS over TCP, one new connection per query, for the benchmark.

   tcpq -s ADDR [-p PORT] [-q NAME] [-c CLIENTS] [-d SECONDS] [-n CONNS]
        [-k QUERIES] [-t TIMEOUT_MS] [-u]

   Each client (a thread) loops: connect, send a query for NAME/A, read
   the answer (QUERIES times, default 1, one after the other), close;
   until SECONDS have passed or CONNS connections were made in all. A
   connection the server closes or resets without an answer counts as
   refused (that is what stock dnsmasq does to a Calico pod). Latency is
   measured from socket() to the end of the last answer (or the EOF).
   -u: UDP instead, one socket per client, and each "connection" is one
   query; for counting instructions per UDP query under callgrind.

   Prints one line of key=value pairs:
     conns answered refused errors secs rate p50_ms p99_ms max_ms
   Percentiles are over all connections, answered or refused.

   dnsperf cannot do this: its TCP mode keeps connections open. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (1 << 20)

enum outcome { ANSWERED, REFUSED, ERROR };

static struct sockaddr_in server;
static unsigned char query[512];
static size_t query_len;
static double deadline;
static long max_conns = -1;
static int timeout_ms = 3000;
static int per_conn = 1;
static int udp;
static atomic_long started;
static atomic_long counts[3];
static atomic_long nsamples;
static float *samples;

static double now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A query for NAME/A, recursion desired, no EDNS0, with the TCP length. */
static void make_query(const char *name)
{
  unsigned char *p = query + 2;
  const char *label = name, *dot;

  memset(query, 0, sizeof(query));
  p[2] = 0x01;                  /* RD */
  p[5] = 1;                     /* QDCOUNT */
  p += 12;
  while (*label)
    {
      size_t len;

      dot = strchr(label, '.');
      len = dot ? (size_t)(dot - label) : strlen(label);
      if (len == 0 || len > 63 || (size_t)(p - query) + len + 8 > sizeof(query))
        {
          fprintf(stderr, "tcpq: bad name %s\n", name);
          exit(2);
        }
      *p++ = (unsigned char)len;
      memcpy(p, label, len);
      p += len;
      label += len + (dot != NULL);
    }
  *p++ = 0;
  *p++ = 0; *p++ = 1;           /* A */
  *p++ = 0; *p++ = 1;           /* IN */
  query_len = (size_t)(p - query);
  query[0] = (unsigned char)((query_len - 2) >> 8);
  query[1] = (unsigned char)(query_len - 2);
}

/* Waits for fd to be ready for EVENTS; 0 on timeout or error. */
static int wait_fd(int fd, short events)
{
  struct pollfd pfd = { .fd = fd, .events = events };
  int rc;

  while ((rc = poll(&pfd, 1, timeout_ms)) == -1 && errno == EINTR)
    ;
  return rc == 1;
}

/* Reads exactly LEN bytes; 1 done, 0 EOF/reset (refused), -1 timeout. */
static int read_full(int fd, unsigned char *buf, size_t len)
{
  size_t got = 0;

  while (got < len)
    {
      ssize_t n;

      if (!wait_fd(fd, POLLIN))
        return -1;
      n = read(fd, buf + got, len - got);
      if (n == 0 || (n == -1 && (errno == ECONNRESET || errno == EPIPE)))
        return 0;
      if (n == -1)
        {
          if (errno == EINTR || errno == EAGAIN)
            continue;
          return -1;
        }
      got += (size_t)n;
    }
  return 1;
}

/* Sends the query with ID on fd and reads its answer: 1 answered,
   0 refused (EOF or reset), -1 anything else. */
static int ask(int fd, uint16_t id)
{
  unsigned char reply[65536];
  int rc;
  size_t len;

  query[2] = (unsigned char)(id >> 8);
  query[3] = (unsigned char)id;
  if (udp)
    {
      ssize_t n;

      if (send(fd, query + 2, query_len - 2, 0) != (ssize_t)(query_len - 2) ||
          !wait_fd(fd, POLLIN) || (n = recv(fd, reply, sizeof(reply), 0)) < 12)
        return -1;
    }
  else
    {
      if (write(fd, query, query_len) != (ssize_t)query_len)
        return (errno == EPIPE || errno == ECONNRESET) ? 0 : -1;
      if ((rc = read_full(fd, reply, 2)) != 1)
        return rc;
      len = ((size_t)reply[0] << 8) | reply[1];
      if (len < 12 || read_full(fd, reply, len) != 1)
        return -1;
    }
  /* Our ID, a response, RCODE NOERROR. */
  return (reply[0] == (id >> 8) && reply[1] == (id & 0xff) &&
          (reply[2] & 0x80) && (reply[3] & 0x0f) == 0) ? 1 : -1;
}

static int connect_to_server(void)
{
  int fd;

  if ((fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0)) == -1)
    return -1;
  if (connect(fd, (struct sockaddr *)&server, sizeof(server)) == -1)
    {
      int err = errno;

      close(fd);
      errno = err;
      return -1;
    }
  return fd;
}

/* One connection and its queries (TCP), or one query on FD (UDP). */
static enum outcome one_conn(uint16_t *id, int fd)
{
  int i, rc = 1;

  if (!udp && (fd = connect_to_server()) == -1)
    return (errno == ECONNREFUSED || errno == ECONNRESET) ? REFUSED : ERROR;
  for (i = 0; i < per_conn && rc == 1; i++)
    rc = ask(fd, (*id)++);
  if (!udp)
    close(fd);
  return rc == 1 ? ANSWERED : rc == 0 ? REFUSED : ERROR;
}

static void *client(void *arg)
{
  uint16_t id = (uint16_t)(uintptr_t)arg * 7919u;
  int fd = -1;

  if (udp && (fd = connect_to_server()) == -1)
    return NULL;

  while (now() < deadline)
    {
      long n = atomic_fetch_add(&started, 1);
      double t0;
      enum outcome r;

      if (max_conns >= 0 && n >= max_conns)
        break;
      t0 = now();
      r = one_conn(&id, fd);
      atomic_fetch_add(&counts[r], 1);
      n = atomic_fetch_add(&nsamples, 1);
      if (n < MAX_SAMPLES)
        samples[n] = (float)((now() - t0) * 1000.0);
    }
  if (fd != -1)
    close(fd);
  return NULL;
}

static int cmp_float(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;

  return (x > y) - (x < y);
}

static double percentile(long n, double p)
{
  long i;

  if (n == 0)
    return 0;
  i = (long)(p * (double)(n - 1) + 0.5);
  return samples[i];
}

static void usage(void)
{
  fprintf(stderr, "usage: tcpq -s ADDR [-p PORT] [-q NAME] [-c CLIENTS] "
          "[-d SECONDS] [-n CONNS] [-k QUERIES] [-t TIMEOUT_MS] [-u]\n");
  exit(2);
}

int main(int argc, char **argv)
{
  const char *addr = NULL, *name = "small.example";
  int port = 53, nclients = 1, i, opt;
  double secs = 5, t_start, elapsed;
  long n, total;
  pthread_t *threads;

  while ((opt = getopt(argc, argv, "s:p:q:c:d:n:k:t:u")) != -1)
    switch (opt)
      {
      case 's': addr = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'q': name = optarg; break;
      case 'c': nclients = atoi(optarg); break;
      case 'd': secs = atof(optarg); break;
      case 'n': max_conns = atol(optarg); break;
      case 'k': per_conn = atoi(optarg); break;
      case 't': timeout_ms = atoi(optarg); break;
      case 'u': udp = 1; break;
      default: usage();
      }
  if (!addr || nclients < 1 || secs <= 0 || per_conn < 1)
    usage();

  memset(&server, 0, sizeof(server));
  server.sin_family = AF_INET;
  server.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, addr, &server.sin_addr) != 1)
    usage();
  make_query(name);
  if (!(samples = calloc(MAX_SAMPLES, sizeof(*samples))) ||
      !(threads = calloc((size_t)nclients, sizeof(*threads))))
    return 2;

  t_start = now();
  deadline = t_start + secs;
  for (i = 0; i < nclients; i++)
    if (pthread_create(&threads[i], NULL, client, (void *)(uintptr_t)(i + 1)) != 0)
      return 2;
  for (i = 0; i < nclients; i++)
    pthread_join(threads[i], NULL);
  elapsed = now() - t_start;

  n = atomic_load(&nsamples);
  if (n > MAX_SAMPLES)
    n = MAX_SAMPLES;
  qsort(samples, (size_t)n, sizeof(*samples), cmp_float);
  total = atomic_load(&counts[ANSWERED]) + atomic_load(&counts[REFUSED]) +
    atomic_load(&counts[ERROR]);
  printf("conns=%ld answered=%ld refused=%ld errors=%ld secs=%.3f rate=%.1f "
         "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
         total, atomic_load(&counts[ANSWERED]), atomic_load(&counts[REFUSED]),
         atomic_load(&counts[ERROR]), elapsed, total / elapsed,
         percentile(n, 0.50), percentile(n, 0.99), n ? samples[n - 1] : 0.0);
  return 0;
}
