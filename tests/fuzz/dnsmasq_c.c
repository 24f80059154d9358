/* dnsmasq.c itself, compiled into the fuzzer with its main() renamed, so
   that the harness can reach its static functions (log_tcp_connection()
   of the tracing patch) and set up the daemon as main() does. */
#define main dnsmasq_main
#include "dnsmasq.c"
#undef main

#include "fuzz.h"

/* What main() does before serving, as far as parsing and logging need:
   options (with --log-debug), the packet buffer, logging to /dev/null. */
void fuzz_init(void)
{
  char *argv[] = {
    "dnsmasq", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
    "--log-queries", "--log-debug", "--log-facility=/dev/null", NULL
  };

  rand_init();
  read_opts((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv, compile_opts);
  if (daemon->edns_pktsz < PACKETSZ)
    daemon->edns_pktsz = PACKETSZ;
  daemon->packet_buff_sz = daemon->edns_pktsz + MAXDNAME + RRFIXEDSZ;
  daemon->packet = safe_malloc(daemon->packet_buff_sz);
  if (log_start(NULL, -1) != 0)
    abort();
}

int fuzz_have_tcp_trace(void)
{
#ifdef FUZZ_TCP_TRACE
  return 1;
#else
  return 0;
#endif
}

#ifdef FUZZ_TCP_TRACE
void fuzz_log_refused_tcp(int confd, union mysockaddr *peer, union mysockaddr *local)
{
  log_tcp_connection(confd, peer, local, 0, 0, "--except-interface");
}
#else
void fuzz_log_refused_tcp(int confd, union mysockaddr *peer, union mysockaddr *local)
{
  (void)confd;
  (void)peer;
  (void)local;
  abort(); /* not reached: fuzz_have_tcp_trace() says 0 */
}
#endif
