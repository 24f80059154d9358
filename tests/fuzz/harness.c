/* libFuzzer harness: the code that parses what a TCP client sent, as
   built from the prepared tree (make fuzz; see tests/fuzz/run).

   Byte 0 of an input picks the path (modulo 3), the rest is what came
   from the network:

   0  a TCP query as tcp_request() reads it: a two-byte length, then the
      message, which must have arrived whole; tcp_request() skips messages
      shorter than a header and hands the rest to extract_request().  The
      message gets a buffer of exactly its length, so that reading past it
      is caught.
   1  the bytes a refused TCP connection has sent by the time dnsmasq
      decides: log_tcp_connection() (tracing patch) peeks at them without
      waiting and parses the question for the log line.  The connection is
      a socketpair holding exactly these bytes.
   2  a reply with TC set, as log_truncation() (truncation-logging patch)
      parses it: byte 1 picks the case, the client's EDNS0 state and
      whether the upstream server is known; the reply follows.

   Paths 1 and 2 exist only in trees with those patches; without them every
   input takes path 0. */

#include "dnsmasq.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  fuzz_init();
  return 0;
}

static void set_addr4(union mysockaddr *a, const char *addr, int port)
{
  memset(a, 0, sizeof(*a));
  a->in.sin_family = AF_INET;
  a->in.sin_port = htons(port);
  if (inet_pton(AF_INET, addr, &a->in.sin_addr) != 1)
    abort();
}

static void tcp_query(const uint8_t *data, size_t len)
{
  size_t size;
  unsigned char *msg;
  unsigned short qtype;

  if (len < 2)
    return;
  size = (size_t)data[0] << 8 | data[1];
  if (size == 0 || len - 2 < size || size < sizeof(struct dns_header))
    return;
  if (!(msg = malloc(size)))
    abort();
  memcpy(msg, data + 2, size);
  if (extract_request((struct dns_header *)msg, size, daemon->namebuff, &qtype))
    {
#ifdef FUZZ_TCP_TRACE
      /* What the trace line does with a question. */
      (void)querystr("query", qtype);
      (void)log_sanitise(daemon->namebuff);
#endif
    }
  free(msg);
}

static void refused_peek(const uint8_t *data, size_t len)
{
  int sv[2];
  union mysockaddr peer, local;

  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
    abort();
  if (len != 0 && write(sv[1], data, len) != (ssize_t)len)
    abort();
  set_addr4(&peer, "198.51.100.10", 44439);
  set_addr4(&local, "192.0.2.1", 53);
  fuzz_log_refused_tcp(sv[0], &peer, &local);
  close(sv[0]);
  close(sv[1]);
}

static void truncated_reply(const uint8_t *data, size_t len)
{
  static struct server server;
  union mysockaddr client;
  unsigned char *msg;
  int how, edns;
  size_t plen;

  /* Callers only log replies of at least a header. */
  if (len < 1 + sizeof(struct dns_header))
    return;
  how = (data[0] & 3) + 1;
  edns = (data[0] >> 2) & 1;
  plen = len - 1;
  if (!(msg = malloc(plen)))
    abort();
  memcpy(msg, data + 1, plen);
  set_addr4(&client, "198.51.100.10", 37043);
  set_addr4(&server.addr, "203.0.113.53", 53);
  fuzz_log_truncation(how, (struct dns_header *)msg, plen, &client,
		      (data[0] & 8) ? &server : NULL, plen, edns ? 1232 : 512, edns);
  free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int path;

  if (size < 1)
    return 0;
  path = data[0] % 3;
  if ((path == 1 && !fuzz_have_tcp_trace()) || (path == 2 && !fuzz_have_truncation_log()))
    path = 0;
  if (path == 0)
    tcp_query(data + 1, size - 1);
  else if (path == 1)
    refused_peek(data + 1, size - 1);
  else
    truncated_reply(data + 1, size - 1);
  return 0;
}
