// Holds every packet iptables queues to it (NFQUEUE) for a fixed delay, then lets it through: the
// "delay" half of netem, for a kernel without sch_netem. The loss half is iptables' statistic match
// (bench-dgram.sh); both act on real kernel packets, so TCP sees the delay in its RTT and recovers
// lost segments with its own retransmissions.
//   usage: nfq_delay QUEUE_NUM DELAY_MS        (runs until killed)
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

// a FIFO of held packets: the delay is constant, so due times come in order
#define CAP 65536
static struct { uint32_t id; double due; } held[CAP];
static unsigned head, tail;
static double delay_ms;
static unsigned long passed, overflow;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *m, struct nfq_data *d, void *u) {
  (void)m; (void)u;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(d);
  uint32_t id = ntohl(ph->packet_id);
  if (tail - head == CAP) { overflow++; return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL); }
  held[tail % CAP].id = id;
  held[tail % CAP].due = now_ms() + delay_ms;
  tail++;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s QUEUE_NUM DELAY_MS\n", argv[0]); return 2; }
  int qnum = atoi(argv[1]);
  delay_ms = atof(argv[2]);
  struct nfq_handle *h = nfq_open();
  if (!h) { perror("nfq_open"); return 1; }
  struct nfq_q_handle *qh = nfq_create_queue(h, qnum, on_packet, NULL);
  if (!qh) { perror("nfq_create_queue"); return 1; }
  // the packet id is all a verdict needs
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("nfq_set_mode"); return 1; }
  nfq_set_queue_maxlen(qh, CAP);
  int fd = nfq_fd(h);
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  fprintf(stderr, "nfq_delay: queue %d, %.1f ms\n", qnum, delay_ms);
  static char buf[65536] __attribute__((aligned));
  for (;;) {
    double now = now_ms();
    while (head != tail && held[head % CAP].due <= now) {
      nfq_set_verdict(qh, held[head % CAP].id, NF_ACCEPT, 0, NULL);
      head++;
      passed++;
    }
    int wait = head == tail ? 1000 : (int)(held[head % CAP].due - now) + 1;
    if (wait < 0) wait = 0;
    // wake at the next due time (1 ms granularity: poll's); a packet arriving meanwhile is read at once
    struct pollfd p = { fd, POLLIN, 0 };
    if (poll(&p, 1, wait > 1 ? wait - 1 : wait) > 0) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n >= 0) nfq_handle_packet(h, buf, (int)n);
      else if (errno == ENOBUFS) fprintf(stderr, "nfq_delay: netlink ENOBUFS (packets lost by the queue)\n");
    }
  }
}
