/* The harness's view of the two wrapped dnsmasq files. */
#ifndef FUZZ_H
#define FUZZ_H

void fuzz_init(void);
int fuzz_have_tcp_trace(void);
int fuzz_have_truncation_log(void);
void fuzz_log_refused_tcp(int confd, union mysockaddr *peer, union mysockaddr *local);
void fuzz_log_truncation(int how, struct dns_header *header, size_t plen, union mysockaddr *client,
			 struct server *server, size_t size, unsigned short limit, int edns);

#endif
