/**
 * @file udp.h  A plain UDP socket on loopback, for tests that play the
 *              peer of a leg
 */

#ifndef CHORUS_TEST_UDP_H
#define CHORUS_TEST_UDP_H

#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>


/* Bound to 127.0.0.1 and a port of the kernel's choice, set in addr;
 * the fd, or -1 */
static inline int udp_loopback(struct sa *addr)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;

	sa_set_in(addr, INADDR_LOOPBACK, ntohs(sin.sin_port));
	return fd;
}

#endif
