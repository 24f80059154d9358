/* forward.c, compiled into the fuzzer so that the harness can reach its
   static log_truncation() (the truncation-logging patch). */
#include "forward.c"

#include "fuzz.h"

int fuzz_have_truncation_log(void)
{
#ifdef FUZZ_TRUNCATION_LOG
  return 1;
#else
  return 0;
#endif
}

#ifdef FUZZ_TRUNCATION_LOG
void fuzz_log_truncation(int how, struct dns_header *header, size_t plen, union mysockaddr *client,
			 struct server *server, size_t size, unsigned short limit, int edns)
{
  log_truncation(how, header, plen, client, server, size, limit, edns);
}
#else
void fuzz_log_truncation(int how, struct dns_header *header, size_t plen, union mysockaddr *client,
			 struct server *server, size_t size, unsigned short limit, int edns)
{
  (void)how, (void)header, (void)plen, (void)client, (void)server, (void)size, (void)limit, (void)edns;
  abort(); /* not reached: fuzz_have_truncation_log() says 0 */
}
#endif
